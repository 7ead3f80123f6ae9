# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The world of the end-to-end scenarios: a Shopify shop (a local HTTP server playing the Shopify
Admin API) sending signed webhooks, warehouses of which one is run by a 3PL (a local HTTP server
too), routing rules, payment gateways and users with the groups of their job.

Everything goes through what a user or an outside system sees: webhook routes over real HTTP,
the queue's jobs as the job runner would run them, buttons and wizards."""

import copy
import json
import uuid
from pathlib import Path

from odoo import Command, fields
from odoo.addons.oms_connector.tests.common_intake import (
    post_shopify_webhook,
)
from odoo.addons.oms_connector.tests.common_mapping import IntakeMappingMixin
from odoo.addons.oms_connector.tests.fake_servers import FakeServer, FakeThreePL
from odoo.addons.oms_connector.tests.routing_common import RoutingFactoryMixin
from odoo.addons.queue_job.job import Job
from odoo.tests import Form, new_test_user

DATA = Path(__file__).parent / "data"
#: where sample payloads are looked for, in this order
DATA_DIRS = [DATA] + [
    Path(__file__).parents[1] / addon / "tests" / "data"
    for addon in ("oms_returns", "oms_connector")
]
SHOP_SECRET = "shpss_e2e_0123456789abcdef"
THREEPL_SECRET = "e2e-3pl-shared-secret"
API = "/admin/api/2025-01"


def load(name):
    """A sample payload: this folder's ``data`` first, then the returns', then the connector's."""
    path = next((folder / name for folder in DATA_DIRS if (folder / name).exists()), DATA / name)
    return json.loads(path.read_text())


class E2EWorldMixin(IntakeMappingMixin, RoutingFactoryMixin):
    """Call ``_setup_e2e_world`` from ``setUpClass`` (of an ``HttpCase``)."""

    @classmethod
    def _setup_e2e_world(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_mapping()
        cls._setup_routing_world()
        cls.shirt = cls.products["OMS-APP-001"]
        cls.mug = cls.products["OMS-HOM-013"]

        # the shop: Shopify's Admin API on 127.0.0.1
        cls.shop = FakeServer().start()
        cls.addClassCleanup(cls.shop.stop)
        # the 3PL running the Madrid warehouse
        cls.threepl = FakeThreePL(THREEPL_SECRET).start()
        cls.addClassCleanup(cls.threepl.stop)
        cls.provider = cls.env["oms.fulfillment.provider"].create(
            {
                "name": "FastShip E2E",
                "code": f"fastship-e2e-{uuid.uuid4().hex[:6]}",
                "endpoint_url": cls.threepl.url,
                "secret": THREEPL_SECRET,
                "timeout": 5,
                "state": "active",
            }
        )
        cls.wh_madrid.oms_fulfillment_provider_id = cls.provider
        cls.ups = cls.env["delivery.carrier"].create(
            {
                "name": "UPS",
                "product_id": cls.env["product.product"]
                .create({"name": "UPS shipping (e2e)", "type": "service"})
                .id,
            }
        )

        Journal = cls.env["account.journal"]
        cls.shopify_journal = Journal.create(
            {"name": "Shopify Payments (e2e)", "code": "SHE2", "type": "bank"}
        )
        cls.fee_account = cls.env["account.account"].create(
            {"name": "Shopify fees (e2e)", "code": "627960", "account_type": "expense"}
        )
        cls.shopify.write(
            {
                "webhook_secret": SHOP_SECRET,
                "api_url": cls.shop.url,
                "api_key": "shpat_e2e_token",
                "api_version": "2025-01",
                "routing_enabled": True,
                "invoice_policy": "shipped",
                "refund_policy": "post",
                "payment_mapping_ids": [
                    Command.create(
                        {
                            "gateway": "shopify_payments",
                            "journal_id": cls.shopify_journal.id,
                            "fee_account_id": cls.fee_account.id,
                        }
                    )
                ],
            }
        )
        cls.shop.fulfillment_orders = {}  # Shopify order id -> its fulfillment orders
        cls.shop.routes[("GET", f"{API}/orders/")] = cls._shop_fulfillment_orders
        cls.shop.routes[("POST", f"{API}/fulfillments.json")] = cls._shop_create_fulfillment

        # people
        cls.oms_user = new_test_user(
            cls.env, login="e2e_oms_user", groups="oms_connector.group_oms_user"
        )
        cls.oms_manager = new_test_user(
            cls.env, login="e2e_oms_manager", groups="oms_connector.group_oms_manager"
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="e2e_stock_user",
            groups="stock.group_stock_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="e2e_accountant",
            groups="oms_connector.group_oms_user,account.group_account_invoice",
        )

    def setUp(self):
        super().setUp()
        self.shop.requests.clear()
        self.shop.fulfillment_orders.clear()
        self.threepl.requests.clear()
        self.threepl.shipments.clear()
        # jobs left pending in the database by the demo data are not this scenario's
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
        self.first_job_id = self.env.cr.fetchone()[0] + 1

    # ------------------------------------------------------------------ the fake Shopify
    @classmethod
    def _shop_fulfillment_orders(cls, request):
        """``GET orders/<id>/fulfillment_orders.json``: the order's fulfillment orders."""
        order_id = request.path.split("/orders/")[1].split("/")[0]
        return 200, {"fulfillment_orders": cls.shop.fulfillment_orders.get(order_id, [])}

    @classmethod
    def _shop_create_fulfillment(cls, request):
        """``POST fulfillments.json``: closes the fulfillment orders it fulfils."""
        fulfillment = request.json["fulfillment"]
        fulfilled = {
            item["fulfillment_order_id"] for item in fulfillment["line_items_by_fulfillment_order"]
        }
        for fulfillment_orders in cls.shop.fulfillment_orders.values():
            for fulfillment_order in fulfillment_orders:
                if fulfillment_order["id"] in fulfilled:
                    fulfillment_order["status"] = "closed"
        answer = load("shopify_fulfillment_created.json")
        answer["fulfillment"]["tracking_number"] = fulfillment["tracking_info"]["number"]
        answer["fulfillment"]["tracking_company"] = fulfillment["tracking_info"]["company"]
        return 201, answer

    def _shop_open_fulfillment_order(self, payload):
        """Shopify opens one fulfillment order for the lines of a new order."""
        template = load("shopify_fulfillment_orders_1001.json")["fulfillment_orders"][0]
        fulfillment_order_id = int(str(payload["id"])[-6:]) + 1046000000
        template.update(
            id=fulfillment_order_id,
            order_id=payload["id"],
            status="open",
            line_items=[
                {
                    "id": line["id"] + 1,
                    "fulfillment_order_id": fulfillment_order_id,
                    "quantity": line["quantity"],
                    "line_item_id": line["id"],
                    "fulfillable_quantity": line["quantity"],
                    "variant_id": line["variant_id"],
                }
                for line in payload["line_items"]
            ],
        )
        self.shop.fulfillment_orders[str(payload["id"])] = [template]

    # ------------------------------------------------------------------ outside world
    @staticmethod
    def _shopify_order(order_id=None, **overrides):
        """Shopify's ``orders/create`` sample (order #1001: 2 T-shirts, a mug and shipping,
        61.10 EUR tax included, to Berlin); another order id gives another order."""
        payload = copy.deepcopy(load("shopify_order.json"))
        if order_id:
            payload.update(id=int(order_id), name=f"#{str(order_id)[-4:]}")
        payload.update(overrides)
        return payload

    def _post_shopify(self, topic, payload):
        """Shopify delivers ``payload`` on ``topic``: a signed POST to the webhook route."""
        if topic == "orders/create":
            self._shop_open_fulfillment_order(payload)
        return post_shopify_webhook(self, self.shopify, SHOP_SECRET, topic, payload)

    def _post_3pl_confirmation(self, picking, shipment_id, tracking="1Z999AA10123456784"):
        """The 3PL confirms it shipped everything of ``picking``: signed POST."""
        body = load("threepl_shipment_confirmation.json")
        body.update(
            shipment_id=shipment_id,
            request_id=picking.oms_3pl_request_key,
            picking=picking.name,
            tracking_number=tracking,
            lines=[
                {
                    "line_id": move.id,
                    "sku": move.product_id.default_code,
                    "quantity_shipped": move.product_uom_qty,
                }
                for move in picking.move_ids
            ],
        )
        data = json.dumps(body).encode()
        return self.url_open(
            f"/oms/3pl/{self.provider.code}/shipment",
            data=data,
            headers={
                "Content-Type": "application/json",
                "X-OMS-Signature": self.threepl.sign(data),
            },
        )

    # ------------------------------------------------------------------ the queue
    def _run_jobs(self, max_rounds=6):
        """Run the jobs this scenario left in the queue, as the job runner would (loaded from
        the database, run as the user who queued them), including the jobs they enqueue.
        Returns the method names run, in order."""
        ran = []
        for _round in range(max_rounds):
            records = self.env["queue.job"].search(
                [("id", ">=", self.first_job_id), ("state", "=", "pending")], order="id"
            )
            if not records:
                break
            for record in records:
                job = Job.load(self.env, record.uuid)
                job.set_started()
                job.store()
                result = job.perform()
                job.set_done(result=result)
                job.store()
                ran.append(record.method_name)
        self.env.invalidate_all()
        return ran

    # ------------------------------------------------------------------ readers
    def _binding(self, channel, external_id):
        return self.env["oms.channel.order"].search(
            [("channel_id", "=", channel.id), ("external_id", "=", str(external_id))]
        )

    def _reconciliation_report(self, day):
        """The accountant's channel reconciliation report of the Shopify channel for ``day``."""
        with Form(self.env["oms.channel.reconciliation"].with_user(self.accountant)) as form:
            form.channel_ids.add(self.shopify)
            form.date_from = day
            form.date_to = day
        report = form.save()
        report.action_compute()
        return report

    @staticmethod
    def _order_day(order):
        return fields.Date.to_date(order.date_order)
