# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Walls between companies (issue 17, kind 4): channel customers belong to the channel's company
and are matched within it; a user of one company does not read another's channel customers."""

import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common_intake import IntakeChannelMixin, load_payload

EMAIL = "mila.janssens@example.be"


@tagged("post_install", "-at_install")
class TestIntakeCompanies(IntakeChannelMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1 = cls.env.company
        cls.company_2 = cls.env["res.company"].create(
            {"name": "OMS Second Company", "country_id": cls.company_1.country_id.id}
        )
        # an accounting of its own, as a real second company has (taxes need their groups)
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company_2, install_demo=False
        )
        cls.channel_1 = cls._setup_order_mapping(cls._create_channel("generic", "t-co-1"))
        channel_2 = cls._create_channel(
            "generic",
            "t-co-2",
            company_id=cls.company_2.id,
            warehouse_id=cls.env["stock.warehouse"]
            .search([("company_id", "=", cls.company_2.id)], limit=1)
            .id,
        )
        cls.channel_2 = cls._setup_order_mapping(channel_2)
        cls.user_2 = new_test_user(
            cls.env,
            login="oms_company_2_user",
            groups="oms_connector.group_oms_user,sales_team.group_sale_salesman",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _take_in(self, channel, order_id):
        """The same shopper (same customer id and email) orders on ``channel``."""
        payload = load_payload("generic_order.json")
        payload.update(id=order_id, number=order_id)
        # a shopper the database does not know yet (the demo data holds the sample's customer)
        payload["customer"].update(id="CUST-WALLS", email=EMAIL, name="Mila Janssens")
        Event = self.env["oms.channel.event"].with_company(channel.company_id)
        event = Event.create(
            Event._prepare_event_vals(
                channel,
                "order.created",
                f"d-{order_id}",
                json.dumps(payload),
                external_order_id=order_id,
            )
        )
        event._job_process()
        self.assertEqual(event.state, "done", event.error)
        return event.sale_order_id

    def test_same_shopper_in_two_companies_gets_a_customer_in_each(self):
        order_1 = self._take_in(self.channel_1, "CO-1")
        order_2 = self._take_in(self.channel_2, "CO-2")
        customer_1, customer_2 = order_1.partner_id, order_2.partner_id
        self.assertNotEqual(customer_1, customer_2, "never the other company's contact")
        self.assertEqual(customer_1.company_id, self.company_1)
        self.assertEqual(customer_2.company_id, self.company_2)
        self.assertEqual(customer_2.email, EMAIL)
        # a second order in company 2 finds company 2's customer again
        self.assertEqual(self._take_in(self.channel_2, "CO-3").partner_id, customer_2)

    def test_a_user_of_one_company_does_not_read_the_other_company_customers(self):
        customer_1 = self._take_in(self.channel_1, "CO-4").partner_id
        customer_2 = self._take_in(self.channel_2, "CO-5").partner_id
        Partner = self.env["res.partner"].with_user(self.user_2)
        visible = Partner.search([("email", "=", EMAIL)])
        self.assertIn(customer_2, visible)
        self.assertNotIn(customer_1, visible)
        with self.assertRaises(AccessError):
            customer_1.with_user(self.user_2).read(["name", "email", "street"])
