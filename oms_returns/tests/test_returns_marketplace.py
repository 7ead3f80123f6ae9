# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Marketplace returns pulled from a local imitation of the marketplace's API become OMS
returns, once however often they are pulled."""

import json
from pathlib import Path

from odoo.addons.oms_connector.tests.common_marketplace import MarketplaceMixin, sample
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

DATA = Path(__file__).parent / "data"
POSTING = "57195475-0050-3"


@tagged("post_install", "-at_install")
class TestReturnsMarketplaceOzon(MarketplaceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_marketplace("ozon", "t-ozon-ret", "1020000089903000")
        cls.kettle = cls._create_product("OMS-OZ-KETTLE", "Electric kettle", stock=7)
        cls.mug = cls._create_product("OMS-OZ-MUG", "Ceramic mug", stock=5)
        cls.posting = sample("ozon_posting_fbs_get.json")["result"]
        cls.returns = json.loads((DATA / "ozon_returns_list.json").read_text())

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.routes.clear()
        self.server.routes[("POST", "/v3/posting/fbs/list")] = (
            200,
            {"result": {"postings": [self.posting], "has_next": False}},
        )
        self.server.routes[("POST", "/v1/returns/list")] = (200, {"returns": [], "has_next": False})

    def _pull(self):
        with trap_jobs() as trap:
            self.channel._job_pull_orders()
            trap.perform_enqueued_jobs()

    def _returns(self):
        return self.env["oms.return"].search([("channel_id", "=", self.channel.id)])

    def _deliver(self, order):
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        with trap_jobs():  # telling Ozon it shipped is not what these tests are about
            picking.button_validate()
        self.assertEqual(picking.state, "done")

    def test_ozon_return_pulled_twice_is_one_oms_return(self):
        self._pull()
        order = self._orders()
        self.assertEqual(order.client_order_ref, POSTING)
        self._deliver(order)
        self.assertFalse(self._returns())

        # the buyer sends one of the two mugs back: Ozon lists the return
        self.server.routes[("POST", "/v1/returns/list")] = (200, self.returns)
        self._pull()
        ret = self._returns()
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.external_id, "1000015552")
        self.assertEqual(ret.source, "channel")
        self.assertEqual(ret.partner_id, order.partner_id)
        mug_line = order.order_line.filtered(lambda line: line.product_id == self.mug)
        self.assertEqual(
            ret.line_ids.mapped(lambda line: (line.sale_line_id, line.quantity)),
            [(mug_line, 1.0)],
        )
        self.assertEqual(ret.line_ids.reason_id.code, "other")
        self.assertEqual(ret.line_ids.customer_note, "Товар не подошёл по характеристикам")
        event = self.env["oms.channel.event"].search(
            [("channel_id", "=", self.channel.id), ("topic", "=", "return.requested")]
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.external_order_id, POSTING)
        self.assertEqual(event.sale_order_id, order)
        call = self.server.calls("POST", "/v1/returns/list")[-1]
        self.assertEqual(call.json["filter"]["return_schema"], "FBS")
        self.assertEqual(call.json["filter"]["visual_status_change_moment"]["time_to"][-1], "Z")

        # pulled again (the next schedule, the same return still listed): still one
        self._pull()
        self.assertEqual(self._returns(), ret)
        self.assertEqual(
            self.env["oms.channel.event"].search_count(
                [("channel_id", "=", self.channel.id), ("topic", "=", "return.requested")]
            ),
            1,
        )
