# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 3PL round trip against a 3PL played by a local HTTP server."""

import json
from pathlib import Path

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from .fake_servers import FakeThreePL
from .routing_common import RoutingFactoryMixin

DATA = Path(__file__).parent / "data"
SECRET = "3pl-shared-secret"


@tagged("post_install", "-at_install", "oms_clock")
class TestThreePL(RoutingFactoryMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_routing_world()
        cls.threepl = FakeThreePL(SECRET).start()
        cls.addClassCleanup(cls.threepl.stop)
        cls.provider = cls.env["oms.fulfillment.provider"].create(
            {
                "name": "FastShip Test",
                "code": "fastship-test",
                "endpoint_url": cls.threepl.url,
                "secret": SECRET,
                "timeout": 3,
                "state": "active",
            }
        )
        cls.wh_madrid.oms_fulfillment_provider_id = cls.provider
        cls.tshirt = cls._create_product("T-Shirt")
        cls.cap = cls._create_product("Cap")
        cls._set_stock(cls.tshirt, cls.wh_madrid, 10)
        cls._set_stock(cls.cap, cls.wh_madrid, 10)
        cls._create_rule("All to the 3PL", "fixed", warehouse_id=cls.wh_madrid.id)
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "UPS",
                "product_id": cls.env["product.product"]
                .create({"name": "UPS shipping", "type": "service"})
                .id,
            }
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="threepl_stock_user",
            groups="oms_connector.group_oms_user,stock.group_stock_user",
        )

    def setUp(self):
        super().setUp()
        self.threepl.requests.clear()
        self.threepl.shipments.clear()
        self.threepl.delay = 0.0

    def _routed_delivery(self):
        with trap_jobs() as trap:
            order = self._create_channel_order([(self.tshirt, 3), (self.cap, 1)])
            self._route(order)
            picking = order.picking_ids
            self.assertEqual(picking.oms_3pl_state, "to_send")
            trap.assert_enqueued_job(picking._oms_3pl_job_send)
        return order, picking

    def _confirmation(self, picking, shipment_id, quantities, **extra):
        template = json.loads((DATA / "threepl_shipment_confirmation.json").read_text())
        moves = {m.product_id: m for m in picking.move_ids}
        template.update(
            {
                "shipment_id": shipment_id,
                "request_id": picking.oms_3pl_request_key,
                "picking": picking.name,
                "lines": [
                    {
                        "line_id": moves[product].id,
                        "sku": product.default_code,
                        "quantity_shipped": qty,
                    }
                    for product, qty in quantities
                ],
            }
        )
        template.update(extra)
        return json.dumps(template).encode()

    def _post_confirmation(self, body, signature=None):
        return self.url_open(
            f"/oms/3pl/{self.provider.code}/shipment",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-OMS-Signature": signature if signature is not None else self.threepl.sign(body),
            },
        )

    def test_full_round_trip_with_partial_shipment_and_duplicate_confirmation(self):
        order, picking = self._routed_delivery()
        self.assertEqual(picking.oms_channel_id, self.channel)
        self.assertIn("All to the 3PL", picking.oms_routing_reason)

        # 1. the job sends the signed shipment request
        picking._oms_3pl_job_send()
        self.assertEqual(picking.oms_3pl_state, "sent")
        self.assertEqual(
            picking.oms_3pl_reference,
            self.threepl.shipments[f"{picking.name}#{picking.id}"]["shipment_id"],
        )
        [request] = self.threepl.calls("POST", "/shipments")
        self.assertEqual(request.headers["Idempotency-Key"], f"{picking.name}#{picking.id}")
        sent = request.json
        self.assertEqual(sent["ship_to"]["country_code"], "FR")
        self.assertEqual(
            sorted((line["sku"], line["quantity"]) for line in sent["lines"]),
            sorted([(self.tshirt.default_code, 3.0), (self.cap.default_code, 1.0)]),
        )

        # 2. the 3PL ships 2 of the 3 T-shirts and the cap
        body = self._confirmation(picking, "SHIP-1", [(self.tshirt, 2), (self.cap, 1)])
        with trap_jobs() as trap:
            response = self._post_confirmation(body)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "done")
            trap.assert_enqueued_job(picking._oms_job_push_tracking)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.oms_3pl_state, "confirmed")
        self.assertEqual(picking.carrier_id, self.carrier)
        self.assertEqual(picking.carrier_tracking_ref, "1Z999AA10123456784")
        self.assertEqual(picking.oms_tracking_state, "to_push")
        shipped = {m.product_id: m.quantity for m in picking.move_ids}
        self.assertEqual(shipped, {self.tshirt: 2.0, self.cap: 1.0})
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_id, self.tshirt)
        self.assertEqual(backorder.move_ids.product_uom_qty, 1.0)
        self.assertEqual(backorder.oms_3pl_state, "sent", "the 3PL still owes the rest")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [2.0, 1.0])

        # 3. the same confirmation posted again changes nothing
        response = self._post_confirmation(body)
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [2.0, 1.0])
        self.assertEqual(
            self.env["oms.fulfillment.confirmation"].search_count(
                [("provider_id", "=", self.provider.id)]
            ),
            1,
        )

        # 4. the rest ships later, under the same request
        body = self._confirmation(
            backorder, "SHIP-2", [(self.tshirt, 1)], tracking_number="1Z999AA10123456785"
        )
        response = self._post_confirmation(body)
        self.assertEqual(
            response.json(), {"status": "done", "shipment_id": "SHIP-2", "picking": backorder.name}
        )
        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [3.0, 1.0])
        self.assertEqual(len(self.threepl.shipments), 1, "one shipment request, never a second")

    def test_timeout_then_resend_never_makes_a_second_shipment(self):
        _order, picking = self._routed_delivery()
        # the 3PL records the shipment but answers after our timeout
        self.threepl.delay = 4.5
        with trap_jobs() as trap:
            result = picking._oms_3pl_job_send()
            trap.assert_enqueued_job(picking._oms_3pl_job_send, properties={"eta": 30})
        self.assertEqual(picking.oms_3pl_state, "error")
        self.assertIn("did not answer within 3 s", result)
        self.assertIn("Attempt 1 failed", picking.oms_3pl_error)
        self.assertIn("Next attempt in 30 s", picking.oms_3pl_error)
        self.assertTrue(picking.oms_3pl_next_attempt_at)
        error_filter = self.env["stock.picking"].search([("oms_3pl_state", "=", "error")])
        self.assertIn(picking, error_filter, "listed under the 3PL error filter")
        # the retry sends the same Idempotency-Key: the 3PL answers the same shipment
        self.threepl.delay = 0.0
        picking._oms_3pl_job_send()
        self.assertEqual(picking.oms_3pl_state, "sent")
        self.assertFalse(picking.oms_3pl_error)
        self.assertEqual(picking.oms_3pl_attempts, 2)
        keys = {r.headers["Idempotency-Key"] for r in self.threepl.calls("POST", "/shipments")}
        self.assertEqual(len(keys), 1)
        self.assertEqual(len(self.threepl.shipments), 1)
        self.assertEqual(
            picking.oms_3pl_reference, next(iter(self.threepl.shipments.values()))["shipment_id"]
        )

    def test_refused_request_waits_for_a_person(self):
        _order, picking = self._routed_delivery()
        self.threepl.routes[("POST", "/shipments")] = (422, {"error": "unknown SKU"})
        try:
            with trap_jobs() as trap:
                picking._oms_3pl_job_send()
                trap.assert_jobs_count(0)
        finally:
            self.threepl.routes[("POST", "/shipments")] = self.threepl._create_shipment
        self.assertEqual(picking.oms_3pl_state, "error")
        self.assertIn("refused the shipment (HTTP 422)", picking.oms_3pl_error)
        self.assertIn("click Send to 3PL", picking.oms_3pl_error)
        with trap_jobs() as trap:
            picking.with_user(self.stock_user).action_oms_3pl_send()
            trap.assert_enqueued_job(picking._oms_3pl_job_send)
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.oms_3pl_state, "sent")

    def test_confirmation_with_a_bad_signature_is_refused(self):
        _order, picking = self._routed_delivery()
        picking._oms_3pl_job_send()
        body = self._confirmation(picking, "SHIP-X", [(self.tshirt, 3), (self.cap, 1)])
        response = self._post_confirmation(body, signature="sha256=" + "0" * 64)
        self.assertEqual(response.status_code, 401)
        response = self._post_confirmation(body, signature="")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(
            self.env["oms.fulfillment.confirmation"].search([("shipment_id", "=", "SHIP-X")])
        )

    def test_confirmation_for_an_unknown_line_is_kept_as_failed(self):
        _order, picking = self._routed_delivery()
        picking._oms_3pl_job_send()
        body = json.dumps(
            {
                "shipment_id": "SHIP-BAD",
                "request_id": picking.oms_3pl_request_key,
                "lines": [{"sku": "NOT-OURS", "quantity_shipped": 1}],
            }
        ).encode()
        response = self._post_confirmation(body)
        self.assertEqual(response.status_code, 422, response.text[:3000])
        self.assertIn("Line NOT-OURS of the confirmation is not on", response.json()["error"])
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.oms_3pl_state, "error")
        self.assertIn("SHIP-BAD", picking.oms_3pl_error)

    def test_provider_not_live_keeps_deliveries_waiting(self):
        self.provider.state = "draft"
        order = self._create_channel_order([(self.cap, 1)])
        with trap_jobs() as trap:
            self._route(order)
            trap.assert_jobs_count(0, only=self.env["stock.picking"]._oms_3pl_job_send)
        picking = order.picking_ids
        self.assertEqual(picking.oms_3pl_state, "to_send")
        waiting = self.env["stock.picking"].search(
            [("oms_3pl_state", "in", ("to_send", "sent")), ("state", "not in", ("done", "cancel"))]
        )
        self.assertIn(picking, waiting)
        with trap_jobs() as trap:
            self.provider.action_go_live()
            trap.assert_enqueued_job(picking._oms_3pl_job_send)
        self.assertEqual(self.provider.picking_to_send_count, 1)
