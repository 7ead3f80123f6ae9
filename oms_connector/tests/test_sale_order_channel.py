# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.tests import TransactionCase

from .common_mapping import IntakeMappingMixin


class TestSaleOrderChannel(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()

    def test_confirmation_keeps_the_channel_order_date(self):
        self.generic.confirmation_policy = "immediate"
        payload = self._sample("generic")
        order = self._import(self.generic, payload).sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.date_order, datetime(2026, 3, 4, 8, 30))

    def test_back_office_orders_still_take_the_confirmation_date(self):
        partner = self.env["res.partner"].create({"name": "Walk-in customer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "date_order": datetime(2020, 1, 1),
                "order_line": [
                    (0, 0, {"product_id": self.env["product.product"].search([], limit=1).id})
                ],
            }
        )
        order.action_confirm()
        self.assertGreater(order.date_order, datetime(2020, 1, 2))
