# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace fees booked per order: an Ozon posting pulled from a local imitation of the
Seller API, once delivered, books the commission and logistics Ozon keeps as one vendor bill
of Ozon. Expected values: tests/data/marketplace/EXPECTED.md."""

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from .common_marketplace import MarketplaceMixin, sample

POSTING = "57195475-0050-3"


@tagged("post_install", "-at_install")
class TestMarketplaceFees(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("ozon", "t-ozon-fee", "1020000089903000")
        cls._create_product("OMS-OZ-KETTLE", "Electric kettle", stock=7)
        cls._create_product("OMS-OZ-MUG", "Ceramic mug", stock=5)
        Account = cls.env["account.account"]
        cls.commission_account = Account.create(
            {"name": "Ozon commission", "code": "449101", "account_type": "expense"}
        )
        cls.logistics_account = Account.create(
            {"name": "Ozon logistics", "code": "449102", "account_type": "expense"}
        )
        cls.ozon = cls.env["res.partner"].create({"name": "OOO Internet Solutions"})
        cls.channel.write(
            {
                "marketplace_fee_partner_id": cls.ozon.id,
                "marketplace_commission_account_id": cls.commission_account.id,
                "marketplace_logistics_account_id": cls.logistics_account.id,
            }
        )
        cls.rub = cls.env.ref("base.RUB")
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.rub.id,
                "rate": 100.0,
                "name": fields.Date.context_today(cls.env.user),
                "company_id": cls.env.company.id,
            }
        )
        cls.open_posting = sample("ozon_posting_fbs_get.json")["result"]
        cls.delivered = sample("ozon_posting_fbs_get_delivered.json")["result"]

    def _pull(self, posting):
        self.server.routes[("POST", "/v3/posting/fbs/list")] = (
            200,
            {"result": {"postings": [posting], "has_next": False}},
        )
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()

    def _binding(self):
        return self.env["oms.channel.order"].search(
            [("channel_id", "=", self.channel.id), ("external_id", "=", POSTING)]
        )

    def test_delivered_posting_books_ozon_fees_once(self):
        self._pull(self.open_posting)
        binding = self._binding()
        self.assertEqual(binding.sale_order_id.state, "sale")
        self.assertFalse(binding.marketplace_fee_bill_id, "no fee before Ozon delivered")

        self._pull(self.delivered)
        bill = binding.marketplace_fee_bill_id
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.partner_id, self.ozon)
        self.assertEqual(bill.currency_id, self.rub)
        self.assertEqual(bill.amount_total, 557.81)
        self.assertEqual(bill.invoice_origin, POSTING)
        self.assertEqual(
            sorted(bill.invoice_line_ids.mapped(lambda line: (line.name, line.price_subtotal))),
            [(f"Ozon commission {POSTING}", 425.93), (f"Ozon logistics {POSTING}", 131.88)],
        )
        payable = self.ozon.property_account_payable_id
        self.assertEqual(
            sorted(
                bill.line_ids.mapped(
                    lambda line: (
                        line.account_id.code,
                        line.amount_currency,
                        line.debit,
                        line.credit,
                    )
                )
            ),
            sorted(
                [
                    ("449101", 425.93, 4.26, 0.0),
                    ("449102", 131.88, 1.32, 0.0),
                    (payable.code, -557.81, 0.0, 5.58),
                ]
            ),
        )

        # read again (a notification, the next pull): the fees are not booked twice
        adapter = self.channel._get_adapter()
        binding._book_marketplace_fees(adapter.normalize_order(dict(self.delivered)))
        self._pull(dict(self.delivered, substatus="posting_archived"))
        bills = self.env["account.move"].search(
            [("partner_id", "=", self.ozon.id), ("move_type", "=", "in_invoice")]
        )
        self.assertEqual(bills, bill)
