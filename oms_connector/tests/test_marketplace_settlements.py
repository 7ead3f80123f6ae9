# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace fees and payouts from the platforms' finance reports, against local imitations:
the Wildberries realisation report (``rrdid`` paging, a 429, rows of an order Odoo does not
know yet booked when it arrives, once), Yandex Market ``stats/orders`` (page token, a 420)
and Amazon's financial events of an order; the payouts in the channel reconciliation report.
Expected values worked out by hand: tests/data/marketplace/EXPECTED_SETTLEMENTS.md."""

import time
from datetime import date, datetime
from unittest.mock import patch

from odoo import Command
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..adapters.marketplace_settlements import WildberriesSettlementAdapterMixin
from .common_marketplace import MarketplaceMixin, sample

UID = "165918930_629fbc924b984618a44354475ca58675"
REPORT = "/api/v5/supplier/reportDetailByPeriod"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


class SettlementMixin(MarketplaceMixin):
    @classmethod
    def _setup_fees(cls, prefix):
        Account = cls.env["account.account"]
        cls.commission_account = Account.create(
            {"name": f"{prefix} commission", "code": f"{prefix}1", "account_type": "expense"}
        )
        cls.logistics_account = Account.create(
            {"name": f"{prefix} logistics", "code": f"{prefix}2", "account_type": "expense"}
        )
        cls.vendor = cls.env["res.partner"].create({"name": f"{prefix} marketplace"})
        cls.channel.write(
            {
                "invoice_policy": "manual",
                "marketplace_fee_partner_id": cls.vendor.id,
                "marketplace_commission_account_id": cls.commission_account.id,
                "marketplace_logistics_account_id": cls.logistics_account.id,
            }
        )
        for currency in (cls.env.ref("base.RUB"), cls.env.ref("base.EUR")):
            currency.active = True
            cls.env["res.currency.rate"].create(
                {
                    "currency_id": currency.id,
                    "rate": 100.0 if currency.name == "RUB" else 0.5,
                    "name": "2026-01-01",
                    "company_id": cls.env.company.id,
                }
            )

    def _pull_settlements(self, channel=None):
        channel = channel or self.channel
        return channel._job_pull_marketplace_settlements(*MARCH)

    def _reset_budget(self):
        self.env["oms.marketplace.budget"].search([("channel_id", "=", self.channel.id)]).write(
            {"blocked_until": 0.0, "tokens": 9.0, "refilled_at": time.time()}
        )

    def _journal_items(self, move):
        return sorted(
            move.line_ids.mapped(lambda line: (line.account_id.code, line.amount_currency))
        )

    def _bind(self, external_id, amount):
        """An order of the channel taken in earlier (its intake is tested elsewhere)."""
        product = self.env["product.product"].create({"name": f"Item {external_id}"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.guest.id,
                "pricelist_id": self.pricelist.id,
                "date_order": datetime(2026, 3, 10, 9, 0),
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "price_unit": amount, "tax_id": False}
                    )
                ],
            }
        )
        order.action_confirm()
        return self.env["oms.channel.order"].create(
            {
                "channel_id": self.channel.id,
                "external_id": external_id,
                "sale_order_id": order.id,
                "external_total": amount,
            }
        )


@tagged("post_install", "-at_install")
class TestWildberriesSettlements(SettlementMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("wildberries", "t-wb-fee", "658434")
        cls._setup_fees("44921")
        cls.channel.marketplace_statistics_url = cls.server.url
        cls._create_product("OMS-WB-SCARF", "Wool scarf", "2041234567890", 10)
        cls._create_product("OMS-WB-MITTENS", "Mittens", "2041234567906", 3)
        cls.rows = sample("wb_report_detail_by_period.json")

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        statuses = {s["id"]: s for s in sample("wb_orders_status.json")["orders"]}
        self.server.routes.update(
            {
                ("GET", "/api/v3/orders/new"): (200, sample("wb_orders_new.json")),
                ("GET", "/api/v3/orders"): (200, {"next": 0, "orders": []}),
                ("POST", "/api/v3/orders/status"): lambda r: (
                    200,
                    {"orders": [statuses[i] for i in r.json["orders"]]},
                ),
                ("GET", REPORT): self._report,
            }
        )
        patcher = patch.object(WildberriesSettlementAdapterMixin, "settlement_page_size", 4)
        patcher.start()
        self.addCleanup(patcher.stop)
        # one call a minute on Wildberries: the imitation's pages come at once
        patcher = patch.object(WildberriesSettlementAdapterMixin, "settlement_budget", (9.0, 9.0))
        patcher.start()
        self.addCleanup(patcher.stop)

    def _report(self, request):
        """Four rows a page after ``rrdid``; HTTP 204 (no body) past the last row."""
        after = int(request.query["rrdid"])
        page = [row for row in self.rows if row["rrd_id"] > after][: int(request.query["limit"])]
        return (200, page) if page else (204, b"")

    def _pull_orders(self):
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()
        return self.env["oms.channel.order"].search(
            [("channel_id", "=", self.channel.id), ("external_id", "=", UID)]
        )

    def _lines(self):
        return self.env["oms.marketplace.settlement"].search(
            [("channel_id", "=", self.channel.id)], order="external_id"
        )

    def test_report_rows_booked_once_per_line_when_the_order_arrives(self):
        self.server.routes[("GET", REPORT)] = (429, {"title": "too many requests"})
        try:  # not assertRaises: its savepoint would undo the budget's pause
            self._pull_settlements()
        except RetryableJobError as exc:
            self.assertGreaterEqual(exc.seconds, 1)
        else:
            self.fail("a 429 retries the pull")
        self._reset_budget()
        self.server.routes[("GET", REPORT)] = self._report

        # the report comes before the order: every row is kept, none booked
        self._pull_settlements()
        calls = self.server.calls("GET", REPORT)
        self.assertEqual([c.query["rrdid"] for c in calls], ["0", "0", "1232610470", "1232610474"])
        self.assertEqual(calls[-1].query["dateFrom"], "2026-03-01")
        lines = self._lines()
        self.assertEqual(len(lines), 9)
        self.assertEqual(set(lines.mapped("state")), {"unmatched", "period"})
        self.assertFalse(lines.move_id)

        binding = self._pull_orders()
        self.assertEqual(binding.sale_order_id.amount_total, 3894.35)
        self._pull_settlements()
        self._pull_settlements()  # pulled again: nothing new, nothing booked twice
        lines = self._lines()
        self.assertEqual(len(lines), 9)
        booked = lines.filtered(lambda line: line.binding_id == binding)
        self.assertEqual(len(booked), 7)
        self.assertEqual(set(booked.mapped("state")), {"booked"})
        bill = booked.move_id
        self.assertEqual(len(bill), 1, "one bill of the order's seven rows")
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "posted",
                    "partner_id": self.vendor.id,
                    "currency_id": self.env.ref("base.RUB").id,
                    "invoice_date": date(2026, 3, 15),
                    "invoice_origin": UID,
                    "amount_total": 740.19,
                }
            ],
        )
        first = bill.invoice_line_ids.sorted("name")[0]
        self.assertEqual(first.name, f"Wildberries test commission {UID}, report line 1232610467")
        payable = self.vendor.property_account_payable_id.code
        self.assertEqual(
            self._journal_items(bill),
            sorted(
                [("449211", 217.49), ("449211", 217.49), ("449211", 129.71), ("449211", 15.0)]
                + [("449212", 56.0), ("449212", 56.0), ("449212", 48.5)]
                + [(payable, -740.19)]
            ),
        )
        self.assertEqual(sum(bill.line_ids.mapped("debit")), 7.4)
        self.assertEqual(round(sum(booked.mapped("payout_amount")), 2), 3154.16)

        unknown = lines.filtered(lambda line: line.external_id == "1232610474")
        self.assertRecordValues(
            unknown,
            [
                {
                    "state": "unmatched",
                    "sale_amount": 990.0,
                    "commission_amount": 143.55,
                    "payout_amount": 846.45,
                }
            ],
        )
        storage = lines.filtered(lambda line: line.external_id == "1232610475")
        self.assertRecordValues(
            storage, [{"state": "period", "logistics_amount": 12.34, "payout_amount": -12.34}]
        )

    def test_reconciliation_report_shows_fees_and_payouts(self):
        binding = self._pull_orders()
        self._pull_settlements()
        invoice = binding.sale_order_id._create_invoices()
        invoice.invoice_date = date(2026, 3, 12)
        invoice.action_post()
        journal = self.env["account.journal"].create(
            {
                "name": "Bank RUB (WB)",
                "code": "WBRUB",
                "type": "bank",
                "currency_id": self.env.ref("base.RUB").id,
            }
        )
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": journal.id,
                "date": date(2026, 3, 20),
                "payment_ref": "Wildberries payout, report 312345678",
                "partner_id": self.vendor.id,
                "amount": 3900.0,
            }
        )
        accountant = new_test_user(
            self.env,
            login="oms_wb_fee_accountant",
            groups="oms_connector.group_oms_user,account.group_account_invoice",
        )
        with Form(self.env(user=accountant)["oms.channel.reconciliation"]) as form:
            form.channel_ids.add(self.channel)
            form.date_from, form.date_to = MARCH
        report = form.save()
        report.action_compute()
        self.assertRecordValues(
            report.summary_ids,
            [
                {
                    "order_count": 1,
                    "invoiced_total": 3894.35,
                    "fee_total": 740.19,
                    # the order's 3154.16, the unknown order's 846.45, storage -12.34
                    "channel_payout": 3988.27,
                    "received_payout": 3900.0,
                    "payout_open": 88.27,
                    "difference_count": 1,
                }
            ],
        )
        self.assertRecordValues(
            report.line_ids,
            [
                {
                    "issue": "settlement_unmatched",
                    "channel_amount": 846.45,
                    "odoo_amount": 0.0,
                    "difference": -846.45,
                }
            ],
        )
        self.assertEqual(report.line_ids.record_ref.external_id, "1232610474")


@tagged("post_install", "-at_install")
class TestYandexSettlements(SettlementMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("yandex_market", "t-ym-fee", "21621240")
        cls.channel.write(
            {"marketplace_campaign_id": "21621240", "marketplace_business_id": "917231"}
        )
        cls._setup_fees("44931")

    def test_delivered_orders_commissions_become_one_bill(self):
        pages = sample("yandex_stats_orders.json")
        path = "/v2/campaigns/21621240/stats/orders"
        answers = [(420, {"status": "ERROR"})] + [(200, page) for page in pages]
        self.server.routes[("POST", path)] = lambda request: answers.pop(0)
        binding = self._bind("48151623420", 2937.0)
        try:  # not assertRaises: its savepoint would undo the budget's pause
            self._pull_settlements()
        except RetryableJobError as exc:
            self.assertGreaterEqual(exc.seconds, 1)
        else:
            self.fail("a 420 retries the pull")
        self._reset_budget()
        self._pull_settlements()
        calls = self.server.calls("POST", path)
        self.assertEqual(calls[-1].json, {"updateFrom": "2026-03-01", "updateTo": "2026-03-31"})
        self.assertEqual(calls[-1].query.get("page_token"), "eyBuZXh0SWQ6IDQ4MTUxNjIzNDIwIH0=")
        lines = binding.marketplace_settlement_ids
        self.assertRecordValues(
            lines,
            [
                {
                    "external_id": "order-48151623420",
                    "sale_amount": 2937.0,
                    "commission_amount": 293.7,
                    "logistics_amount": 157.48,
                    "payout_amount": 2485.82,
                    "state": "booked",
                }
            ],
        )
        payable = self.vendor.property_account_payable_id.code
        self.assertEqual(lines.move_id.amount_total, 451.18)
        self.assertEqual(
            self._journal_items(lines.move_id),
            sorted([("449311", 293.7), ("449312", 157.48), (payable, -451.18)]),
        )
        others = self.channel.marketplace_settlement_ids - lines
        self.assertEqual(others.mapped("order_key"), ["48151629999"], "DELIVERY: not final")
        self.assertEqual(others.state, "unmatched")

    def test_rub_order_at_22_and_10_percent_vat_totals_to_the_cent(self):
        """Russian VAT in force: 22 % standard rate since 1 January 2026 (Federal Law of
        28 November 2025 No. 425-FZ, amending art. 164 p. 3 of the Tax Code; 20 % before),
        10 % reduced rate kept (art. 164 p. 2: food, children's goods, medicines, books).
        Yandex Market states each item's rate (``VAT_22``, ``VAT_10``); both are mapped to
        price-included taxes. Teapot 1890.00 at 22 %: 1890 x 22/122 = 340.82; three cups
        1047.00 at 10 %: 1047 x 10/110 = 95.18; total 2937.00, VAT 436.00."""
        vat_10 = self.env["account.tax"].create(
            {
                "name": "НДС 10% incl. (t-ym-fee)",
                "amount": 10.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        self.channel.tax_mapping_ids = [
            Command.create({"rate": 10.0, "tax_id": vat_10.id, "tax_included_id": vat_10.id})
        ]
        self._create_product("OMS-YM-TEAPOT", "Teapot", stock=5)
        self._create_product("OMS-YM-CUP", "Cup", stock=9)
        orders = sample("yandex_business_orders.json")
        orders["orders"][0]["items"][1]["prices"]["vat"] = "VAT_10"
        orders["paging"] = {}
        self.server.routes[("POST", "/v1/businesses/917231/orders")] = (200, orders)
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()
        order = self._orders()
        self.assertEqual(order.currency_id.name, "RUB")
        self.assertEqual(order.amount_total, 2937.0)
        self.assertEqual(order.amount_tax, 436.0)
        self.assertEqual(
            sorted(
                order.order_line.mapped(lambda line: (line.tax_id.amount, round(line.price_tax, 2)))
            ),
            [(10.0, 95.18), (22.0, 340.82)],
        )


@tagged("post_install", "-at_install")
class TestAmazonSettlements(SettlementMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("amazon", "t-amz-fee", "A1PA6795UKMFR9")
        cls._setup_fees("44941")
        cls.pricelist.currency_id = cls.env.ref("base.EUR")
        cls.channel.write(
            {
                "marketplace_client_id": "amzn1.application-oa2-client.omstest",
                "api_secret": "amzn1.oa2-cs.v1.omstest",
                "api_key": "Atzr|IwEBIOMSTestRefreshTokenNotReal",
                "marketplace_token_url": cls.server.url + "/auth/o2/token",
            }
        )

    def test_shipped_order_financial_events_book_its_fees(self):
        order_id = "302-4615372-6734656"
        self.server.routes[("POST", "/auth/o2/token")] = (200, sample("amazon_lwa_token.json"))
        self.server.routes[("GET", f"/finances/v0/orders/{order_id}/financialEvents")] = (
            200,
            sample("amazon_financial_events_by_order.json"),
        )
        binding = self._bind(order_id, 49.98)
        binding.external_created_at = datetime(2026, 3, 10, 9, 0)
        self.assertEqual(
            self.channel._get_orders_awaiting_settlement(date(2026, 3, 1), 30),
            [],
            "not shipped yet: Amazon is not asked",
        )
        with patch.object(
            type(self.env["oms.channel"]),
            "_get_orders_awaiting_settlement",
            lambda channel, date_from, limit: [order_id],
        ):
            self._pull_settlements()
        lines = binding.marketplace_settlement_ids
        self.assertRecordValues(
            lines,
            [
                {
                    "external_id": f"{order_id}:68828574383266:2026-03-13T08:14:52Z",
                    "sale_amount": 49.98,
                    "commission_amount": 8.5,
                    "logistics_amount": 1.2,
                    "payout_amount": 40.28,
                    "currency_id": self.env.ref("base.EUR").id,
                }
            ],
        )
        payable = self.vendor.property_account_payable_id.code
        self.assertEqual(
            self._journal_items(lines.move_id),
            sorted([("449411", 8.5), ("449412", 1.2), (payable, -9.7)]),
        )
