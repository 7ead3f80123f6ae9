# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The portal's return form refuses what is not a quantity on the form itself, never with a
server error (issue 17, kind 2), also under a seeded fuzz of its fields."""

import random
import re

from odoo.addons.oms_returns.tests.common import OmsReturnsCase
from odoo.tests import HttpCase, new_test_user, tagged

SEED = 17
#: form posts of the fuzz
POSTS = 120
BAD_QUANTITIES = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "1e400",
    "0.0001",
    "1e-400",
    "abc",
    "1\x00",
    "\x00",
    b"\xed\xa0\x80",  # a surrogate encoded in UTF-8: not UTF-8
    "1" * 500,
    "0x10",
    "９",
    " 1 ",
    "-1",
    "0",
    "",
    "1",
    "2",
    "1.5",
]
BAD_IDS = ["abc", "", "-1", "0", "99999999999999999999", "\x00", "²", "1e3", b"\xff"]


@tagged("post_install", "-at_install")
class TestPortalRefusals(OmsReturnsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_delivered_order([(cls.product, 2), (cls.product_2, 1)])
        cls.order.message_subscribe(cls.customer.ids)
        new_test_user(
            cls.env, login="ret_fuzz", groups="base.group_portal", partner_id=cls.customer.id
        )

    def setUp(self):
        super().setUp()
        self.authenticate("ret_fuzz", "ret_fuzz")
        page = self.url_open("/my/returns/new")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.lines = self.order.order_line

    def _returns(self):
        return self.env["oms.return"].search([("partner_id", "=", self.customer.id)])

    def _submit(self, fields):
        return self.url_open("/my/returns/new", data={"csrf_token": self.csrf, **fields})

    def _error_of(self, response):
        match = re.search(r'class="alert alert-danger"[^>]*>(.*?)</div>', response.text, re.S)
        return match and match.group(1).strip()

    def test_what_is_not_a_quantity_is_shown_on_the_form(self):
        line = self.lines[0]
        cases = {
            "nan": "is not a quantity of",
            "inf": "is not a quantity of",
            "1e308": "is not a quantity of",
            "-inf": "is not a quantity of",
            "0.0001": "is less than the smallest quantity that can be returned",
        }
        for qty, message in cases.items():
            with self.subTest(qty=qty):
                response = self._submit(
                    {f"qty_{line.id}": qty, f"reason_{line.id}": str(self.reason_size.id)}
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, self._error_of(response) or "")
                self.assertFalse(self._returns())

    def test_a_note_with_nul_is_kept_without_it(self):
        line = self.lines[0]
        response = self._submit(
            {
                f"qty_{line.id}": "1",
                f"reason_{line.id}": str(self.reason_size.id),
                "note": "Too\x00 small",
            }
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._returns().note, "Too small")

    def test_fuzz_the_request_form(self):
        rng = random.Random(SEED)
        reasons = [str(self.reason_size.id), str(self.reason_defective.id)]
        answers = {"created": 0, "refused": 0}
        for number in range(POSTS):
            fields = {}
            for line in self.lines:
                # half the fields valid, so that some posts get through and create a return
                if rng.random() < 0.8:
                    fields[f"qty_{line.id}"] = rng.choice(["1", rng.choice(BAD_QUANTITIES)])
                if rng.random() < 0.9:
                    fields[f"reason_{line.id}"] = rng.choice(reasons + [rng.choice(BAD_IDS)])
                if rng.random() < 0.3:
                    fields[f"outcome_{line.id}"] = rng.choice(["exchange", "credit", "\x00", ""])
            if rng.random() < 0.3:
                fields["note"] = rng.choice(["A\x00B", "x" * 20000, "ok", b"\xed\xa0\x80"])
            response = self._submit(fields)
            self.assertLess(response.status_code, 500, f"#{number} {fields}")
            created = self._returns()
            if created:
                answers["created"] += 1
                self.assertIn(f"/my/returns/{created.id}", response.url)
                self.assertFalse("\x00" in (created.note or ""))
                created.unlink()  # the quantities are returnable again for the next post
            else:
                answers["refused"] += 1
                self.assertTrue(self._error_of(response), f"#{number} {fields}: no message")
        self.assertGreater(answers["created"], 5, answers)
        self.assertGreater(answers["refused"], 50, answers)
        for order_id in BAD_IDS:
            with self.subTest(order_id=order_id):
                response = self.opener.get(
                    f"{self.base_url()}/my/returns/new", params={"order_id": order_id}, timeout=60
                )
                self.assertEqual(response.status_code, 200)
