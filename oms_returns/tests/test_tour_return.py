# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.oms_connector.tests.common_tour import OmsTourCase
from odoo.tests import new_test_user, tagged

from .common import OmsReturnsCase


@tagged("post_install", "-at_install", "oms_tour")
class TestTourReturn(OmsReturnsCase, OmsTourCase):
    """In the browser: the customer requests a return on the portal; the returns clerk approves
    it, validates the receipt, inspects the shirt, and opens the posted credit note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order([(cls.product, 2)])
        # the portal shows the orders the customer follows
        cls.order.message_subscribe(cls.customer.ids)
        cls.invoice = cls.order.invoice_ids
        cls.portal_user = new_test_user(
            cls.env,
            login="oms_tour_portal",
            # new_test_user names the partner after the user unless told otherwise
            name=cls.customer.name,
            groups="base.group_portal",
            partner_id=cls.customer.id,
        )

    def test_portal_request_to_credit_note(self):
        self.start_tour("/my/returns/new", "oms_return_portal_tour", login=self.portal_user.login)
        ret = self.env["oms.return"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(ret), 1)
        self.assertEqual((ret.source, ret.state), ("portal", "draft"))
        self.assertEqual(ret.line_ids.quantity, 1.0)
        self.assertEqual(ret.line_ids.reason_id, self.reason_size)

        self.start_tour(
            "/odoo/action-oms_returns.oms_return_action",
            "oms_return_backend_tour",
            login=self.return_user.login,
        )
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.line_ids.qty_grade_a, 1.0)
        credit_note = ret.credit_note_ids
        self.assertEqual(credit_note.state, "posted")
        self.assertAlmostEqual(credit_note.amount_total, 60.0)
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
