# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customers request and follow their own returns on the portal; access rules."""

import re

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import OmsReturnsCase


@tagged("post_install", "-at_install")
class TestReturnsPortal(OmsReturnsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order([(cls.product, 2)])
        cls.order.message_subscribe(cls.customer.ids)
        cls.other_order = cls._create_delivered_order(
            [(cls.product_2, 1)], partner=cls.other_customer
        )
        cls.other_order.message_subscribe(cls.other_customer.ids)
        cls.portal_user = new_test_user(
            cls.env, login="ret_portal", groups="base.group_portal", partner_id=cls.customer.id
        )
        cls.other_return = cls.env["oms.return"].create(
            {
                "partner_id": cls.other_customer.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "sale_line_id": cls.other_order.order_line.id,
                            "quantity": 1,
                            "reason_id": cls.env.ref("oms_returns.oms_return_reason_defective").id,
                        },
                    )
                ],
            }
        )

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def _my_returns(self):
        return self.env["oms.return"].search([("partner_id", "=", self.customer.id)])

    def test_portal_request_of_a_delivered_order(self):
        self.authenticate("ret_portal", "ret_portal")
        page = self.url_open(f"/my/returns/new?order_id={self.order.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Return Test Shirt", page.text)
        self.assertNotIn("Return Test Jacket", page.text, "another customer's order")
        sale_line = self.order.order_line
        response = self.url_open(
            "/my/returns/new",
            data={
                "csrf_token": self._csrf(page.text),
                f"qty_{sale_line.id}": "1",
                f"reason_{sale_line.id}": str(self.reason_size.id),
                f"outcome_{sale_line.id}": "exchange",
                "note": "Too small",
            },
        )
        ret = self._my_returns()
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.source, "portal")
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.line_ids.quantity, 1.0)
        self.assertEqual(ret.line_ids.outcome, "exchange")
        self.assertIn(f"/my/returns/{ret.id}", response.url)
        self.assertIn(ret.name, response.text)
        listing = self.url_open("/my/returns")
        self.assertIn(ret.name, listing.text)
        self.assertNotIn(self.other_return.name, listing.text)

    def test_portal_request_for_more_than_delivered(self):
        self.authenticate("ret_portal", "ret_portal")
        page = self.url_open("/my/returns/new")
        sale_line = self.order.order_line
        response = self.url_open(
            "/my/returns/new",
            data={
                "csrf_token": self._csrf(page.text),
                f"qty_{sale_line.id}": "3",
                f"reason_{sale_line.id}": str(self.reason_size.id),
            },
        )
        self.assertIn("at most 2.0 can come back", response.text)
        self.assertFalse(self._my_returns())

    def test_portal_cannot_see_another_customers_return(self):
        self.authenticate("ret_portal", "ret_portal")
        response = self.url_open(f"/my/returns/{self.other_return.id}")
        self.assertTrue(response.url.endswith("/my"), "redirected home")
        self.assertNotIn(self.other_return.name, response.text)

    def test_record_rules(self):
        own = self._create_return([(self.order.order_line, 1, self.reason_size, "refund")])
        as_portal = self.env["oms.return"].with_user(self.portal_user)
        self.assertEqual(as_portal.search([]), own)
        with self.assertRaises(AccessError):
            self.other_return.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write({"note": "changed"})
        with self.assertRaises(AccessError):
            self.reason_size.with_user(self.return_user).write({"restocking_fee_percent": 50})
        self.reason_size.with_user(self.return_manager).write({"restocking_fee_percent": 0})
        plain = new_test_user(self.env, login="ret_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["oms.return"].with_user(plain).search([])
        self.assertTrue(self.return_manager.has_group("oms_returns.group_return_user"))
