# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, new_test_user, tagged

from .common import OmsReturnsCase


@tagged("post_install", "-at_install")
class TestReturnViews(OmsReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order([(cls.product, 2)])

    def test_return_views_load_for_return_users(self):
        for model, views in (
            ("oms.return", ["kanban", "list", "form", "search"]),
            ("oms.return.report", ["pivot", "graph", "search"]),
            ("oms.return.reason", ["list", "search"]),
        ):
            result = (
                self.env[model]
                .with_user(self.return_user)
                .get_views([(False, view) for view in views])
            )
            self.assertEqual(sorted(result["views"]), sorted(views))

    def test_return_form_in_the_back_office(self):
        return_form = Form(self.env["oms.return"].with_user(self.return_user))
        return_form.partner_id = self.customer
        with return_form.line_ids.new() as line:
            line.sale_line_id = self.order.order_line
            line.quantity = 2
            line.reason_id = self.reason_defective
            line.outcome = "credit"
        ret = return_form.save()
        self.assertTrue(ret.name.startswith("RET/"))
        self.assertEqual(ret.warehouse_id, self.warehouse)
        self.assertAlmostEqual(ret.amount_requested, 100.0)

    def test_documents_open_for_users_without_returns(self):
        salesman = new_test_user(
            self.env, login="ret_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        order = self.order.with_user(salesman)
        self.assertEqual(order.oms_return_count, 0, "no right on returns: no button")
        Form(order)  # the order form (with the returns button) opens
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.oms_return_credit_note_policy, "post")
