# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The intake's batch path leaves the same stock as Odoo's standard path.

The same orders are taken in twice: by our batch path (signed deliveries, the batch job that
creates and confirms them together with its once-per-batch procurement lookups, then the
reservation job) and by Odoo's standard path, order after order (``sale.order.create``,
``action_confirm``, ``action_assign`` of the deliveries), as ``bench/intake.py`` does. The
orders go to a one-step warehouse and to a pick + ship warehouse; one product is valued in
real time at standard cost, one is bought on order (MTO + Buy). Moves, move lines, pickings,
what was bought, and, once delivered, the valuation layers and their journal entries are
compared field by field, quantities and amounts with tolerance 0."""

import json

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase, tagged

from .common_intake import shopify_headers
from .common_mapping import IntakeMappingMixin

SECRET = "same-stock-secret"


@tagged("post_install", "-at_install")
class TestIntakeSameStockAsOdoo(IntakeMappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mapping()
        env = cls.env
        mto = env.ref("stock.route_warehouse0_mto")
        mto.active = True
        cls.warehouse = env.ref("stock.warehouse0")
        cls.pick_ship = cls._create_oms_warehouse(
            "Pick and Ship", f"PS{cls._next_oms_number()}", delivery_steps="pick_ship"
        )
        category = env["product.category"].create(
            {
                "name": "Valued in real time",
                "property_cost_method": "standard",
                "property_valuation": "real_time",
            }
        )
        cls.valued = cls._create_oms_product(
            "Valued Shirt",
            default_code="OMS-CMP-VAL",
            list_price=24.0,
            standard_price=10.0,
            categ_id=category.id,
        )
        for warehouse in (cls.warehouse, cls.pick_ship):
            cls._count_oms_stock(cls.valued, warehouse.lot_stock_id, 100.0)
        vendor = cls._create_oms_partner("Mug Maker")
        cls.bought = cls._create_oms_product(
            "Mug Bought on Order",
            default_code="OMS-CMP-MTO",
            list_price=12.0,
            route_ids=[Command.set([mto.id, env.ref("purchase_stock.route_warehouse0_buy").id])],
            seller_ids=[Command.create({"partner_id": vendor.id, "price": 5.0})],
        )
        cls.shopify.webhook_secret = SECRET
        cls.shopify_ps = cls.shopify.copy(
            {
                "name": "Shopify Pick and Ship",
                "code": f"same-stock-ps-{cls._next_oms_number()}",
                "warehouse_id": cls.pick_ship.id,
                "webhook_secret": SECRET,
                "tax_mapping_ids": [
                    Command.create({"name": "MwSt", "rate": 19.0, "tax_id": cls.tax_de_included.id})
                ],
            }
        )

    # ------------------------------------------------------------------ the two paths
    def _payload(self, number, customer):
        """The sample order (its prices, so its total) with our two products, of
        ``customer`` (a number: a new shopper each)."""
        payload = self._sample("shopify")
        payload.update(id=5690000009000 + number, name=f"#9{number:03d}")
        email = f"same.stock.{customer}@example.com"
        payload.update(email=email, contact_email=email)
        payload["customer"].update(id=7129000000000 + customer, email=email)
        for line, product in zip(payload["line_items"], (self.valued, self.bought), strict=True):
            line.update(sku=product.default_code, id=line["id"] + number * 10)
        return payload

    def _take_in_by_our_path(self, channel_payloads):
        """Signed deliveries stored as the webhook does, then the queue's jobs run as the queue
        runs them: the batch job(s) first, then the reservation job(s)."""
        Event = self.env["oms.channel.event"]
        with trap_jobs() as trap:
            events = Event
            for channel, payload in channel_payloads:
                body = json.dumps(payload).encode()
                headers = shopify_headers(SECRET, body, webhook_id=f"wh-same-{payload['id']}")
                status, message, event = Event._receive_webhook(channel, headers, body)
                self.assertEqual((status, message), (200, "accepted"))
                events |= event
            for job in [j for j in trap.enqueued_jobs if j.method_name == "_job_process"]:
                job.perform()
            reservations = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_job_reserve_channel_orders"
            ]
            self.assertTrue(reservations)
            for job in reservations:
                job.perform()
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("error"))
        self.env.flush_all()
        return events.sale_order_id

    def _take_in_by_odoo(self, orders):
        """The same orders by Odoo's standard path: create, confirm, reserve, one at a time."""
        copies = self.env["sale.order"]
        for order in orders:
            copy = self.env["sale.order"].create(
                {
                    "partner_id": order.partner_id.id,
                    "partner_invoice_id": order.partner_invoice_id.id,
                    "partner_shipping_id": order.partner_shipping_id.id,
                    "pricelist_id": order.pricelist_id.id,
                    "warehouse_id": order.warehouse_id.id,
                    "client_order_ref": order.client_order_ref,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": line.product_id.id,
                                "product_uom_qty": line.product_uom_qty,
                                "price_unit": line.price_unit,
                                "discount": line.discount,
                                "tax_id": [Command.set(line.tax_id.ids)],
                            }
                        )
                        for line in order.order_line
                    ],
                }
            )
            copy.action_confirm()
            waiting = copy.picking_ids.filtered(lambda p: p.state in ("confirmed", "waiting"))
            if waiting:
                waiting.action_assign()
            copies |= copy
        self.env.flush_all()
        return copies

    def _deliver(self, orders):
        """Validate every reserved delivery of ``orders`` with the reserved quantities (picks
        first: their ship steps are then created and reserved); what is still waiting for the
        purchase goes to a backorder."""
        for _step in range(3):
            pickings = orders.picking_ids.filtered(lambda p: p.state == "assigned")
            if not pickings:
                break
            for picking in pickings.sorted("id"):
                picking.move_ids.filtered(lambda m: m.state == "assigned").picked = True
                # what waits for the purchase goes to a backorder, as the user would choose
                picking.with_context(skip_backorder=True).button_validate()
        self.env.flush_all()

    # ------------------------------------------------------------------ what is compared
    @staticmethod
    def _name(record):
        return record.display_name if record else False

    def _move_key(self, move):
        return (move.picking_type_id.id, move.product_id.id, move.location_id.id)

    def _stock_of(self, order):
        """Everything the order's confirmation, reservation and delivery made, with the order's
        own name and ids replaced by what they mean."""
        moves = order.procurement_group_id.stock_move_ids.sorted(self._move_key)
        position = {move: index for index, move in enumerate(moves)}
        result = {"moves": [], "pickings": []}
        for move in moves:
            result["moves"].append(
                {
                    "product": move.product_id.id,
                    "demand": move.product_uom_qty,
                    "product_qty": move.product_qty,
                    "quantity": move.quantity,
                    "uom": move.product_uom.id,
                    "from": move.location_id.id,
                    "to": move.location_dest_id.id,
                    "final": move.location_final_id.id,
                    "rule": move.rule_id.id,
                    "route": move.rule_id.route_id.id,
                    "routes": move.route_ids.ids,
                    "picking_type": move.picking_type_id.id,
                    "warehouse": move.warehouse_id.id,
                    "state": move.state,
                    "procure_method": move.procure_method,
                    "partner": move.partner_id.id,
                    "price_unit": move.price_unit,
                    "sale_line": move.sale_line_id.product_id.id,
                    "origin": (move.origin or "").replace(order.name, "<order>"),
                    "reserved": sorted(
                        (line.location_id.id, line.location_dest_id.id, line.quantity, line.picked)
                        for line in move.move_line_ids
                    ),
                    "orig": sorted(position.get(m, m.id) for m in move.move_orig_ids),
                    "bought": sorted(
                        (line.product_id.id, line.order_id.partner_id.id, line.order_id.state)
                        for line in move.created_purchase_line_ids
                    ),
                    "valuation": [
                        (
                            layer.product_id.id,
                            layer.quantity,
                            layer.unit_cost,
                            layer.value,
                            layer.remaining_qty,
                            sorted(
                                (line.account_id.id, line.debit, line.credit, line.quantity)
                                for line in layer.account_move_id.line_ids
                            ),
                        )
                        for layer in move.stock_valuation_layer_ids.sorted("id")
                    ],
                }
            )
        for picking in order.picking_ids.sorted(lambda p: (p.picking_type_id.id, p.location_id.id)):
            result["pickings"].append(
                {
                    "type": picking.picking_type_id.id,
                    "from": picking.location_id.id,
                    "to": picking.location_dest_id.id,
                    "partner": picking.partner_id.id,
                    "state": picking.state,
                    "move_type": picking.move_type,
                    "origin": (picking.origin or "").replace(order.name, "<order>"),
                    "moves": sorted(position[move] for move in picking.move_ids),
                }
            )
        result["delivered"] = [
            (line.product_id.id, line.qty_delivered) for line in order.order_line.sorted("id")
        ]
        return result

    def _bought(self):
        """{product id: quantity on requests for quotation} of the two products."""
        lines = self.env["purchase.order.line"].search(
            [("product_id", "in", (self.valued | self.bought).ids)]
        )
        totals = {}
        for line in lines:
            totals[line.product_id.id] = totals.get(line.product_id.id, 0.0) + line.product_qty
        return totals

    def _assert_same(self, ours, odoos, when):
        for our_order, odoo_order in zip(ours, odoos, strict=True):
            with self.subTest(order=our_order.client_order_ref, when=when):
                self.assertEqual(self._stock_of(our_order), self._stock_of(odoo_order))

    # ------------------------------------------------------------------ the test
    def test_same_moves_pickings_purchases_and_valuation(self):
        channel_payloads = [
            (self.shopify, self._payload(0, customer=0)),
            (self.shopify_ps, self._payload(1, customer=1)),
            (self.shopify, self._payload(2, customer=1)),
            (self.shopify_ps, self._payload(3, customer=2)),
        ]
        bought_before = self._bought()
        ours = self._take_in_by_our_path(channel_payloads)
        self.assertEqual(len(ours), 4)
        ours = ours.sorted(lambda order: order.client_order_ref)
        bought_by_ours = self._bought()
        odoos = self._take_in_by_odoo(ours)
        bought_by_both = self._bought()

        # what the test is about happened: two steps in one warehouse, bought on order
        pick_ship_order = ours[1]
        # Odoo 18 creates the ship step when the pick is done (a push): picks for now
        self.assertEqual(pick_ship_order.picking_ids.picking_type_id, self.pick_ship.pick_type_id)
        self.assertEqual(pick_ship_order.picking_ids.move_ids.location_final_id.usage, "customer")
        mto_moves = ours.procurement_group_id.stock_move_ids.filtered(
            lambda m: m.product_id == self.bought and m.procure_method == "make_to_order"
        )
        self.assertEqual(len(mto_moves), 4)
        self.assertEqual(set(mto_moves.mapped("state")), {"waiting"})
        self.assertTrue(all(move.created_purchase_line_ids for move in mto_moves))
        reserved = ours.procurement_group_id.stock_move_ids.filtered(
            lambda m: m.product_id == self.valued and m.state == "assigned"
        )
        self.assertEqual(len(reserved), 4, "one-step deliveries and picks reserved")

        self._assert_same(ours, odoos, "confirmed and reserved")
        # the same quantities bought on order by each path
        for product in (self.valued, self.bought):
            ours_qty = bought_by_ours.get(product.id, 0.0) - bought_before.get(product.id, 0.0)
            odoos_qty = bought_by_both.get(product.id, 0.0) - bought_by_ours.get(product.id, 0.0)
            self.assertEqual(ours_qty, odoos_qty, product.display_name)
        self.assertEqual(bought_by_ours[self.bought.id] - bought_before.get(self.bought.id, 0), 4)

        self._deliver(ours)
        self._deliver(odoos)
        delivered = ours.procurement_group_id.stock_move_ids.filtered(
            lambda m: m.product_id == self.valued and m.location_dest_id.usage == "customer"
        )
        self.assertEqual(set(delivered.mapped("state")), {"done"})
        self.assertEqual(
            sorted(pick_ship_order.picking_ids.picking_type_id.mapped("code")),
            ["internal", "outgoing"],
        )
        self.assertEqual(
            sum(delivered.stock_valuation_layer_ids.mapped("value")), -80.0, "8 shirts at 10.00"
        )
        self.assertTrue(delivered.stock_valuation_layer_ids.account_move_id)
        self._assert_same(ours, odoos, "delivered")
