# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common_accounting import OmsAccountingCommon


@tagged("post_install", "-at_install")
class TestAccountingRefundTaxes(OmsAccountingCommon):
    """The remainder of a channel refund that no line or shipping explains (goodwill) reduces
    the price of the order: its VAT is credited with it, split across the order's taxes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel.refund_policy = "post"
        cls.vat19_account = cls._create_tax_account("251019", "VAT 19% payable")
        cls.vat7_account = cls._create_tax_account("251007", "VAT 7% payable")
        cls.vat19 = cls._create_vat(19.0, cls.vat19_account)
        cls.vat7 = cls._create_vat(7.0, cls.vat7_account)
        cls.vat19_incl = cls._create_vat(19.0, cls.vat19_account, included=True)
        cls.vat7_incl = cls._create_vat(7.0, cls.vat7_account, included=True)
        cls.jacket = cls._create_product(name="Rain Jacket", lst_price=100.0, type="consu")
        cls.book = cls._create_product(name="Trail Guide Book", lst_price=50.0, type="consu")
        cls.gift_wrap = cls._create_product(
            name="Gift Wrapping", lst_price=100.0, type="service", taxes_id=[Command.clear()]
        )
        cls.income_account = cls.company_data["default_account_revenue"]

    @classmethod
    def _create_tax_account(cls, code, name):
        return cls.env["account.account"].create(
            {"code": code, "name": name, "account_type": "liability_current"}
        )

    @classmethod
    def _create_vat(cls, rate, account, included=False):
        repartition = [
            Command.create({"repartition_type": "base"}),
            Command.create({"repartition_type": "tax", "account_id": account.id}),
        ]
        label = f"VAT {rate:g}%"
        return cls.env["account.tax"].create(
            {
                "name": f"{label} sales{' incl.' if included else ''}",
                "invoice_label": label,
                "amount_type": "percent",
                "amount": rate,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "price_include_override": "tax_included" if included else "tax_excluded",
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
            }
        )

    @staticmethod
    def _line(product, price, taxes, **extra):
        return {
            "product_id": product.id,
            "product_uom_qty": 1,
            "price_unit": price,
            "tax_id": [Command.set(taxes.ids)],
            **extra,
        }

    def _paid_order(self, external_id, lines, total):
        binding = self._create_channel_order(external_id, lines=lines)
        self.assertEqual(binding.sale_order_id.amount_total, total)
        self._import(binding, [self._payment(f"ch_{external_id}", total)], "paid")
        self.assertEqual(self._invoices(binding).amount_residual, 0.0)
        return binding

    def _goodwill(self, binding, amount, refund_id="RF-G1"):
        """The channel refunds ``amount`` (a string) of the order, no line, no shipping."""
        self._process(
            self._event(
                "refund.created",
                self._load(
                    "generic_refund.json",
                    id=refund_id,
                    order_id=binding.external_id,
                    amount=amount,
                    transactions=[
                        {
                            "transaction_id": f"re_{refund_id}",
                            "gateway": "stripe",
                            "amount": amount,
                            "currency": "USD",
                        }
                    ],
                ),
            )
        )
        credit_note = binding.refund_ids.credit_note_id
        self.assertEqual(len(credit_note), 1)
        return credit_note

    @staticmethod
    def _journal_items(move):
        """(account, tax of a tax line, balance) of each journal item, in a stable order."""
        return sorted(
            (line.account_id.code, line.tax_line_id.name or "", line.balance)
            for line in move.line_ids
        )

    def _assert_goodwill_19_7(self, credit_note, price_units):
        """Goodwill of 10.00 on an order of 119.00 at 19 % and 53.50 at 7 %: 6.90 and 3.10."""
        label = "Refund RF-G1: Goodwill: box arrived dented"
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "name": f"{label} (VAT 19%)",
                    "account_id": self.goodwill_account.id,
                    "price_unit": price_units[0],
                    "price_subtotal": 5.80,
                    "price_total": 6.90,
                },
                {
                    "name": f"{label} (VAT 7%)",
                    "account_id": self.goodwill_account.id,
                    "price_unit": price_units[1],
                    "price_subtotal": 2.90,
                    "price_total": 3.10,
                },
            ],
        )
        self.assertRecordValues(
            credit_note,
            [
                {
                    "state": "posted",
                    "amount_untaxed": 8.70,
                    "amount_tax": 1.30,
                    "amount_total": 10.0,
                    "amount_residual": 0.0,
                }
            ],
        )
        vat19, vat7 = credit_note.invoice_line_ids.tax_ids.sorted("amount", reverse=True)
        self.assertEqual(self._journal_items(credit_note), sorted([
            (self.goodwill_account.code, "", 5.80),
            (self.goodwill_account.code, "", 2.90),
            (self.vat19_account.code, vat19.name, 1.10),
            (self.vat7_account.code, vat7.name, 0.20),
            (self.receivable.code, "", -10.0),
        ]))  # fmt: skip

    def test_goodwill_split_across_taxes_excluded(self):
        """Prices without tax: 10.00 of goodwill is credited as 5.80 + 1.10 VAT 19 % and
        2.90 + 0.20 VAT 7 %, the receivable by 10.00, the VAT accounts by their share."""
        binding = self._paid_order(
            "WEB-T1",
            [self._line(self.jacket, 100.0, self.vat19), self._line(self.book, 50.0, self.vat7)],
            172.5,
        )
        credit_note = self._goodwill(binding, "10.00")
        self.assertEqual(credit_note.invoice_line_ids.tax_ids, self.vat19 | self.vat7)
        self._assert_goodwill_19_7(credit_note, [5.80, 2.90])
        self.assertEqual(binding.channel_refunded_amount, 10.0)

    def test_goodwill_split_across_taxes_included(self):
        """Prices with tax included: the lines' prices are the parts, the tax is the same."""
        binding = self._paid_order(
            "WEB-T2",
            [
                self._line(self.jacket, 119.0, self.vat19_incl),
                self._line(self.book, 53.5, self.vat7_incl),
            ],
            172.5,
        )
        credit_note = self._goodwill(binding, "10.00")
        self.assertEqual(credit_note.invoice_line_ids.tax_ids, self.vat19_incl | self.vat7_incl)
        self._assert_goodwill_19_7(credit_note, [6.90, 3.10])

    def test_goodwill_untaxed_shipping_part_gets_no_tax(self):
        """Order of 119.00 at 19 % plus untaxed shipping of 10.00: of 12.90, the shipping's
        share (1.00) is untaxed, the rest carries 19 %."""
        binding = self._paid_order(
            "WEB-T3",
            [
                self._line(self.jacket, 100.0, self.vat19),
                self._line(self.shipping_product, 10.0, self.env["account.tax"], is_delivery=True),
            ],
            129.0,
        )
        credit_note = self._goodwill(binding, "12.90")
        label = "Refund RF-G1: Goodwill: box arrived dented"
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "name": f"{label} (VAT 19%)",
                    "price_subtotal": 10.0,
                    "price_total": 11.90,
                    "tax_ids": self.vat19.ids,
                },
                {"name": label, "price_subtotal": 1.0, "price_total": 1.0, "tax_ids": []},
            ],
        )
        self.assertEqual(self._journal_items(credit_note), sorted([
            (self.goodwill_account.code, "", 10.0),
            (self.goodwill_account.code, "", 1.0),
            (self.vat19_account.code, self.vat19.name, 1.90),
            (self.receivable.code, "", -12.90),
        ]))  # fmt: skip

    def test_goodwill_untaxed_when_channel_says_so(self):
        """*No tax* on the channel: one untaxed line for the whole goodwill, no VAT credited."""
        self.assertEqual(self.channel.refund_remainder_tax, "proportional", "the default")
        manager = new_test_user(
            self.env,
            login="oms_acc_tax_manager",
            groups="oms_connector.group_oms_manager,sales_team.group_sale_manager,"
            "stock.group_stock_manager,account.group_account_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with Form(self.channel.with_user(manager)) as form:
            form.refund_remainder_tax = "none"
        self.assertEqual(self.channel.refund_remainder_tax, "none")
        binding = self._paid_order(
            "WEB-T4",
            [self._line(self.jacket, 100.0, self.vat19), self._line(self.book, 50.0, self.vat7)],
            172.5,
        )
        credit_note = self._goodwill(binding, "10.00")
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "name": "Refund RF-G1: Goodwill: box arrived dented",
                    "account_id": self.goodwill_account.id,
                    "price_total": 10.0,
                    "tax_ids": [],
                }
            ],
        )
        self.assertEqual(self._journal_items(credit_note), sorted([
            (self.goodwill_account.code, "", 10.0),
            (self.receivable.code, "", -10.0),
        ]))  # fmt: skip

    def test_goodwill_split_in_three_adds_up(self):
        """10.00 over three tax sets of equal totals: 3.34 + 3.33 + 3.33, no cent lost."""
        binding = self._paid_order(
            "WEB-T5",
            [
                self._line(self.jacket, 84.03, self.vat19),
                self._line(self.book, 93.46, self.vat7),
                self._line(self.gift_wrap, 100.0, self.env["account.tax"]),
            ],
            300.0,
        )
        credit_note = self._goodwill(binding, "10.00")
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {"price_subtotal": 2.81, "price_total": 3.34, "tax_ids": self.vat19.ids},
                {"price_subtotal": 3.11, "price_total": 3.33, "tax_ids": self.vat7.ids},
                {"price_subtotal": 3.33, "price_total": 3.33, "tax_ids": []},
            ],
        )
        self.assertEqual(self._journal_items(credit_note), sorted([
            (self.goodwill_account.code, "", 2.81),
            (self.goodwill_account.code, "", 3.11),
            (self.goodwill_account.code, "", 3.33),
            (self.vat19_account.code, self.vat19.name, 0.53),
            (self.vat7_account.code, self.vat7.name, 0.22),
            (self.receivable.code, "", -10.0),
        ]))  # fmt: skip

    def test_goodwill_unreachable_total_gets_a_rounding_line(self):
        """10.05 cannot be a 19 % line's total (8.44 + 1.60 = 10.04, 8.45 + 1.61 = 10.06): an
        untaxed rounding line of one cent makes the credit note the refunded amount."""
        binding = self._paid_order("WEB-T6", [self._line(self.jacket, 100.0, self.vat19)], 119.0)
        credit_note = self._goodwill(binding, "10.05")
        label = "Refund RF-G1: Goodwill: box arrived dented"
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {"name": f"{label} (VAT 19%)", "price_total": 10.06, "tax_ids": self.vat19.ids},
                {"name": f"{label} (rounding)", "price_total": -0.01, "tax_ids": []},
            ],
        )
        self.assertRecordValues(
            credit_note, [{"amount_total": 10.05, "amount_tax": 1.61, "amount_residual": 0.0}]
        )
        self.assertEqual(self._journal_items(credit_note), sorted([
            (self.goodwill_account.code, "", 8.45),
            (self.goodwill_account.code, "", -0.01),
            (self.vat19_account.code, self.vat19.name, 1.61),
            (self.receivable.code, "", -10.05),
        ]))  # fmt: skip

    def test_goodwill_does_not_credit_a_fixed_tax(self):
        """A per-unit fixed tax (a recycling fee) is not reduced by a price reduction: the
        goodwill carries the line's 19 % only."""
        fee = self.env["account.tax"].create(
            {
                "name": "Recycling fee",
                "amount_type": "fixed",
                "amount": 0.5,
                "type_tax_use": "sale",
                "company_id": self.company.id,
                "sequence": 1,
            }
        )
        binding = self._paid_order(
            "WEB-T7", [self._line(self.jacket, 100.0, fee | self.vat19)], 119.5
        )
        credit_note = self._goodwill(binding, "11.90")
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [{"price_subtotal": 10.0, "price_total": 11.90, "tax_ids": self.vat19.ids}],
        )
        self.assertRecordValues(credit_note, [{"amount_total": 11.90, "amount_tax": 1.90}])
