# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The routing engine: decides, for a batch of orders, which warehouse(s) ship them.

Everything the decisions need (orders, lines, destinations, rules, warehouses, stock, distances)
is read in a fixed number of queries per batch, then each order is decided in memory; so the
number of queries per order does not grow with the catalogue or the number of orders.
"""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..concurrency import is_passing_conflict
from .stock_move import OPEN_MOVES_WHERE

_logger = logging.getLogger(__name__)

#: distances (km) used when neither coordinates nor the region table know better
SAME_STATE_KM = 150.0
SAME_COUNTRY_KM = 600.0
UNKNOWN_KM = 20000.0
EARTH_RADIUS_KM = 6371.0
#: quantities closer than this are equal (far below any unit of measure's rounding)
QTY_EPSILON = 1e-6
#: an error is cut to this length in the reason of a held order
ERROR_MAX_CHARS = 500


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class OrderInfo:
    """What routing needs to know about one order, read in bulk."""

    id: int
    name: str
    company_id: int
    channel_id: int
    country_id: int
    state_id: int
    zip: str
    latitude: float
    longitude: float
    amount: float
    priority: bool
    categ_ids: frozenset
    #: storable lines: [(line id, product id, quantity in the product's unit)]
    lines: list = field(default_factory=list)
    #: every line id of the order (services, consumables included)
    all_line_ids: list = field(default_factory=list)

    @property
    def demand(self):
        """Quantity wanted per product (two lines of one product add up)."""
        demand = defaultdict(float)
        for _line_id, product_id, qty in self.lines:
            demand[product_id] += qty
        return demand

    @property
    def has_coordinates(self):
        return bool(self.latitude or self.longitude)


@dataclass
class WarehouseInfo:
    id: int
    name: str
    company_id: int
    country_id: int
    state_id: int
    latitude: float
    longitude: float

    @property
    def has_coordinates(self):
        return bool(self.latitude or self.longitude)


@dataclass
class RoutingDecision:
    """The outcome for one order: ``state`` is ``routed``, ``backorder`` or ``held``."""

    order_id: int
    state: str
    reason: str
    rule_id: int = 0
    warehouse_id: int = 0
    #: line id -> warehouse id, only when the order is split over several warehouses
    line_warehouses: dict = field(default_factory=dict)

    @property
    def warehouse_ids(self):
        ids = set(self.line_warehouses.values())
        if self.warehouse_id:
            ids.add(self.warehouse_id)
        return ids


class RoutingBatch:
    """Rules, warehouses, stock and distances of one batch, shared by its decisions."""

    def __init__(self, rules, warehouses, stock, distance_table):
        self.rules = rules  # list of condition dicts, by sequence
        self.warehouses = warehouses  # id -> WarehouseInfo
        self.stock = stock  # (product id, warehouse id) -> quantity free to allocate
        self.distance_table = distance_table
        self.company_warehouses = defaultdict(list)
        for warehouse in warehouses.values():
            self.company_warehouses[warehouse.company_id].append(warehouse.id)
        self._region_cache = {}

    def available(self, product_id, warehouse_id):
        return self.stock.get((product_id, warehouse_id), 0.0)

    def allocate(self, product_id, warehouse_id, quantity):
        """Take ``quantity`` from the batch's view of the stock, so that the next orders of
        the batch do not count on it."""
        key = (product_id, warehouse_id)
        self.stock[key] = self.stock.get(key, 0.0) - quantity


class OmsRoutingEngine(models.AbstractModel):
    """Routes sale orders of the channels to warehouses and 3PLs by the ``oms.routing.rule``.

    Entry point: ``route_orders(orders)``. Extension points: ``_load_order_infos``,
    ``_get_free_stock``, ``_get_distance``, ``_route_with_<strategy>``, ``_decide``,
    ``_prepare_routing_vals`` and ``_apply_decisions``.
    """

    _name = "oms.routing.engine"
    _description = "Order Routing Engine"

    # ------------------------------------------------------------------ entry point
    @api.model
    def route_orders(self, orders, confirm=True):
        """Decide and record the routing of ``orders`` (draft channel orders), then confirm
        those that were routed (per the channel's confirmation policy). Returns the list of
        ``RoutingDecision``. Locks the products first: see ``_lock_products``.

        One order's failure never stops the others: an order whose decision, recording or
        confirmation raises is held for review with the error (see ``_hold_on_error``), the
        others go on. Passing conflicts with a parallel transaction are raised, for the job to
        retry the batch."""
        orders = orders.filtered(lambda o: o.state in ("draft", "sent"))
        if not orders:
            return []
        infos = self._load_order_infos(orders)
        product_ids = sorted({line[1] for info in infos for line in info.lines})
        self._lock_products(product_ids)
        batch = self._prepare_routing_context(infos, product_ids)
        decisions = [self._decide_or_hold(info, batch) for info in infos]
        decisions = self._apply_decisions_isolated(orders, decisions)
        if confirm:
            decisions = self._confirm_routed_isolated(orders, decisions)
        return decisions

    # ------------------------------------------------------------------ isolation
    @api.model
    def _decide_or_hold(self, info, batch):
        """``_decide``, or the held decision of its error. Deciding works in memory (it must
        not write), so it needs no savepoint."""
        try:
            return self._decide(info, batch)
        except Exception as exc:
            if isinstance(exc, psycopg2.Error) or is_passing_conflict(exc):
                raise  # a database error aborted the transaction: the batch cannot go on
            return self._prepare_error_decision(info.id, info.name, exc)

    @api.model
    def _apply_decisions_isolated(self, orders, decisions):
        """Record ``decisions`` together; when that fails, one order at a time, each in its
        own savepoint, so that only the order that fails is held (with its error)."""
        try:
            with self.env.cr.savepoint():
                self._apply_decisions(orders, decisions)
            return decisions
        except Exception as exc:
            if is_passing_conflict(exc):
                raise
            _logger.warning("Recording %s routing decisions failed (%s)", len(decisions), exc)
        return [
            self._run_or_hold(
                orders.browse(decision.order_id),
                lambda order, decision=decision: self._apply_decisions(order, [decision]),
            )
            or decision
            for decision in decisions
        ]

    @api.model
    def _confirm_routed_isolated(self, orders, decisions):
        """Confirm the routed orders one at a time, each in its own savepoint: an order whose
        confirmation raises is held with its error, the others are confirmed. Returns the
        decisions with those of the orders held."""
        held = {}
        for order in orders.filtered(lambda o: o.oms_routing_state in ("routed", "backorder")):
            decision = self._run_or_hold(order, lambda order: order._oms_confirm_routed_orders())
            if decision:
                held[order.id] = decision
        return [held.get(decision.order_id, decision) for decision in decisions]

    @api.model
    def _run_or_hold(self, order, work):
        """Run ``work(order)`` in a savepoint. When it raises (a passing conflict apart), roll
        it back, hold the order with the error and return that decision; else None."""
        try:
            with self.env.cr.savepoint():
                work(order)
            return None
        except Exception as exc:
            if is_passing_conflict(exc):
                raise
            decision = self._prepare_error_decision(order.id, order.name, exc)
        self._apply_decisions(order, [decision])
        return decision

    @api.model
    def _prepare_error_decision(self, order_id, order_name, exc):
        """The held ``RoutingDecision`` of an order whose routing raised ``exc``: the reason
        names the order and the error, for the person who reviews held orders."""
        _logger.warning("Routing of %s failed: held for review", order_name, exc_info=exc)
        if isinstance(exc, UserError):
            error = exc.args[0] if exc.args else type(exc).__name__
        else:
            error = f"{type(exc).__name__}: {exc}".strip()
        return RoutingDecision(
            order_id=order_id,
            state="held",
            reason=self.env._(
                "Routing of %(order)s failed: %(error)s. Held for review.",
                order=order_name,
                error=error[:ERROR_MAX_CHARS],
            ),
        )

    # ------------------------------------------------------------------ loading
    @api.model
    def _load_order_infos(self, orders):
        """``OrderInfo`` of each order, in a fixed number of queries for the whole batch."""
        order_rows = orders.read(
            [
                "name",
                "company_id",
                "oms_channel_id",
                "partner_shipping_id",
                "amount_total",
                "oms_priority",
            ],
            load=False,
        )
        partners = self._load_partner_infos({row["partner_shipping_id"] for row in order_rows})
        line_rows = self.env["sale.order.line"].search_read(
            [("order_id", "in", orders.ids), ("display_type", "=", False)],
            ["order_id", "product_id", "product_uom_qty", "product_uom"],
            load=False,
            order="order_id, sequence, id",
        )
        products = self._load_product_infos({row["product_id"] for row in line_rows})
        categ_ancestors = self._load_category_ancestors(
            {row["categ_id"] for row in products.values()}
        )
        lines_by_order = defaultdict(list)
        for row in line_rows:
            lines_by_order[row["order_id"]].append(row)
        infos = []
        for row in order_rows:
            info = self._prepare_order_info(row, partners.get(row["partner_shipping_id"], {}))
            self._add_order_info_lines(info, lines_by_order[row["id"]], products, categ_ancestors)
            infos.append(info)
        return infos

    @api.model
    def _load_partner_infos(self, partner_ids):
        """``{partner id: {"country_id", "state_id", "zip", "partner_latitude",
        "partner_longitude"}}`` of the shipping addresses, in one read."""
        return {
            row["id"]: row
            for row in self.env["res.partner"]
            .browse(partner_ids)
            .read(
                ["country_id", "state_id", "zip", "partner_latitude", "partner_longitude"],
                load=False,
            )
        }

    @api.model
    def _load_category_ancestors(self, categ_ids):
        """``{category id: frozenset of its id and its ancestors' ids}``, in one read."""
        return {
            row["id"]: frozenset(
                int(part) for part in (row["parent_path"] or "").split("/") if part
            )
            for row in self.env["product.category"]
            .browse(categ_ids)
            .read(["parent_path"], load=False)
        }

    @api.model
    def _prepare_order_info(self, row, partner):
        """The ``OrderInfo`` of an order's ``row`` (read without ``load``), shipped to
        ``partner`` (a row of ``_load_partner_infos``, {} when unknown), without lines yet."""
        return OrderInfo(
            id=row["id"],
            name=row["name"],
            company_id=row["company_id"],
            channel_id=row["oms_channel_id"] or 0,
            country_id=partner.get("country_id") or 0,
            state_id=partner.get("state_id") or 0,
            zip=partner.get("zip") or "",
            latitude=partner.get("partner_latitude") or 0.0,
            longitude=partner.get("partner_longitude") or 0.0,
            amount=row["amount_total"],
            priority=row["oms_priority"],
            categ_ids=frozenset(),
        )

    @api.model
    def _add_order_info_lines(self, info, line_rows, products, categ_ancestors):
        """Fill ``info`` with its order's ``line_rows``: every line id, the storable lines as
        ``(line id, product id, quantity in the product's unit)`` and the categories of its
        products with their ancestors (``products``: ``_load_product_infos``)."""
        Uom = self.env["uom.uom"]
        categs = set()
        for line in line_rows:
            info.all_line_ids.append(line["id"])
            product = products.get(line["product_id"])
            if not product:
                continue
            categs |= categ_ancestors.get(product["categ_id"], frozenset())
            if not product["is_storable"]:
                continue
            qty = line["product_uom_qty"]
            if line["product_uom"] != product["uom_id"]:
                qty = Uom.browse(line["product_uom"])._compute_quantity(
                    qty, Uom.browse(product["uom_id"]), round=False
                )
            info.lines.append((line["id"], line["product_id"], qty))
        info.categ_ids = frozenset(categs)

    @api.model
    def _load_product_infos(self, product_ids):
        """``{product id: {"categ_id", "uom_id", "is_storable"}}``. The fields are read on the
        templates: on the variants they are related fields that the ORM would compute one
        record at a time."""
        products = self.env["product.product"].browse(pid for pid in product_ids if pid)
        templates = {
            row["id"]: row
            for row in products.product_tmpl_id.read(
                ["categ_id", "uom_id", "is_storable"], load=False
            )
        }
        return {product.id: templates[product.product_tmpl_id.id] for product in products}

    @api.model
    def _lock_products(self, product_ids):
        """Serialize routing on the products of the batch (see ``oms.routing.lock``).

        Rows are locked in product order, so two batches never deadlock, and touched, so that a
        batch that read the stock before another one committed its allocation fails with a
        serialization error and is retried (queue_job postpones jobs on such errors) instead
        of allocating the same unit twice."""
        if not product_ids:
            return
        # A plain INSERT ... ON CONFLICT: two batches creating the lock row of a new product at
        # once must not fail on the unique constraint (the ORM has no such upsert).
        self.env.cr.execute(
            """
            INSERT INTO oms_routing_lock
                   (product_id, create_uid, create_date, write_uid, write_date)
            SELECT unnest(%(products)s), %(uid)s, now() at time zone 'UTC', %(uid)s,
                   now() at time zone 'UTC'
            ON CONFLICT (product_id) DO NOTHING
            """,
            {"products": list(product_ids), "uid": self.env.uid},
        )
        # Lock (in product order) and touch the rows in one statement: through the ORM, the
        # touch would be one UPDATE per hundred products.
        self.env.cr.execute(
            """
            UPDATE oms_routing_lock
               SET locked_at = %(now)s, write_date = %(write_date)s, write_uid = %(uid)s
             WHERE id IN (
                    SELECT id FROM oms_routing_lock
                     WHERE product_id = ANY(%(products)s)
                  ORDER BY product_id
                       FOR UPDATE
                   )
            """,
            {
                "products": list(product_ids),
                "uid": self.env.uid,
                "now": fields.Datetime.now(),
                "write_date": self.env.cr.now(),
            },
        )
        self.env["oms.routing.lock"].invalidate_model(["locked_at", "write_date", "write_uid"])

    @api.model
    def _prepare_routing_context(self, infos, product_ids):
        company_ids = list({info.company_id for info in infos})
        rules = self.env["oms.routing.rule"].search([("company_id", "in", company_ids)])
        warehouses = self._load_warehouses(company_ids)
        stock = self._get_free_stock(product_ids, list(warehouses))
        distances = self.env["oms.region.distance"]._get_distance_table()
        return RoutingBatch(
            [rule._prepare_routing_conditions() for rule in rules], warehouses, stock, distances
        )

    @api.model
    def _load_warehouses(self, company_ids):
        warehouses = self.env["stock.warehouse"].search_read(
            [("company_id", "in", company_ids)], ["name", "company_id", "partner_id"], load=False
        )
        partners = {
            row["id"]: row
            for row in self.env["res.partner"]
            .browse({w["partner_id"] for w in warehouses if w["partner_id"]})
            .read(["country_id", "state_id", "partner_latitude", "partner_longitude"], load=False)
        }
        result = {}
        for row in warehouses:
            partner = partners.get(row["partner_id"], {})
            result[row["id"]] = WarehouseInfo(
                id=row["id"],
                name=row["name"],
                company_id=row["company_id"],
                country_id=partner.get("country_id") or 0,
                state_id=partner.get("state_id") or 0,
                latitude=partner.get("partner_latitude") or 0.0,
                longitude=partner.get("partner_longitude") or 0.0,
            )
        return result

    @api.model
    def _get_free_stock(self, product_ids, warehouse_ids):
        """``{(product id, warehouse id): quantity}`` free to promise: on hand where the
        warehouse's deliveries pick from (``_get_sellable_locations``: never returns waiting
        for inspection, quarantine or scrap) minus everything already promised to deliveries
        that leave those locations (reserved or not), in two queries whatever the number of
        products."""
        if not product_ids or not warehouse_ids:
            return {}
        stock = defaultdict(float)
        self.env["stock.quant"].flush_model(["product_id", "location_id", "quantity"])
        self.env["stock.move"].flush_model(
            ["product_id", "location_id", "location_dest_id", "state", "product_qty"]
        )
        self.env.cr.execute(self._get_on_hand_query(product_ids, warehouse_ids))
        for product_id, warehouse_id, quantity in self.env.cr.fetchall():
            stock[product_id, warehouse_id] += quantity
        self.env.cr.execute(self._get_open_moves_query(product_ids, warehouse_ids))
        for product_id, warehouse_id, quantity in self.env.cr.fetchall():
            stock[product_id, warehouse_id] -= quantity
        return dict(stock)

    @api.model
    def _get_sellable_locations(self, warehouse_ids):
        """``{warehouse id: locations}``: the locations whose stock (children included) the
        warehouse's outgoing deliveries take from, i.e. the default source of its delivery
        operation type, else its stock location. Extend to sell from more locations."""
        result = {}
        for warehouse in self.env["stock.warehouse"].browse(warehouse_ids):
            location = warehouse.out_type_id.default_location_src_id or warehouse.lot_stock_id
            result[warehouse.id] = location
        return result

    @api.model
    def _get_sellable_roots_sql(self, warehouse_ids):
        """SQL rows ``(warehouse_id, parent_path)`` of ``_get_sellable_locations``."""
        pairs = [
            (warehouse_id, location.parent_path)
            for warehouse_id, locations in self._get_sellable_locations(warehouse_ids).items()
            for location in locations
        ]
        return SQL(
            "SELECT * FROM unnest(%s::int[], %s::text[]) AS roots(warehouse_id, parent_path)",
            [pair[0] for pair in pairs],
            [pair[1] for pair in pairs],
        )

    @api.model
    def _get_on_hand_query(self, product_ids, warehouse_ids):
        """SQL summing, per product and warehouse, the quantities on hand in its sellable
        locations (``_get_sellable_locations``)."""
        return SQL(
            """
            SELECT q.product_id, roots.warehouse_id, SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
              JOIN (%(roots)s) roots ON l.parent_path LIKE roots.parent_path || %(any)s
             WHERE q.product_id = ANY(%(products)s)
               AND l.usage = 'internal'
          GROUP BY q.product_id, roots.warehouse_id
            """,
            products=list(product_ids),
            roots=self._get_sellable_roots_sql(warehouse_ids),
            any="%",
        )

    @api.model
    def _get_open_moves_query(self, product_ids, warehouse_ids):
        """SQL summing, per product and warehouse, the open moves that take stock out of the
        warehouse's sellable locations. Its state condition is the predicate of the partial
        index ``oms_stock_move_open_product_index`` (see ``stock.move.init``), so that it reads
        only open moves, not the millions of done ones."""
        return SQL(
            """
            SELECT m.product_id, roots.warehouse_id, SUM(m.product_qty)
              FROM stock_move m
              JOIN stock_location l ON l.id = m.location_id
              JOIN stock_location d ON d.id = m.location_dest_id
              JOIN (%(roots)s) roots ON l.parent_path LIKE roots.parent_path || %(any)s
             WHERE m.product_id = ANY(%(products)s)
               AND m.%(open_moves)s
               AND l.usage = 'internal'
               AND d.usage NOT IN ('internal', 'transit', 'view')
          GROUP BY m.product_id, roots.warehouse_id
            """,
            products=list(product_ids),
            roots=self._get_sellable_roots_sql(warehouse_ids),
            any="%",
            open_moves=SQL(OPEN_MOVES_WHERE),
        )

    # ------------------------------------------------------------------ distances
    @api.model
    def _get_distance(self, warehouse, info, batch):
        """Distance in km from ``warehouse`` (``WarehouseInfo``) to the order's destination:
        by coordinates when both have them, else by the region table, else a rough guess
        (same state, same country, elsewhere)."""
        if warehouse.has_coordinates and info.has_coordinates:
            return haversine_km(
                warehouse.latitude, warehouse.longitude, info.latitude, info.longitude
            )
        key = (warehouse.id, info.country_id, info.state_id)
        cached = batch._region_cache.get(key)
        if cached is not None:
            return cached
        table = batch.distance_table
        wc, ws, dc, ds = warehouse.country_id, warehouse.state_id, info.country_id, info.state_id
        distance = None
        for candidate in ((wc, ws, dc, ds), (wc, 0, dc, ds), (wc, ws, dc, 0), (wc, 0, dc, 0)):
            if candidate in table:
                distance = table[candidate]
                break
        if distance is None:
            if wc and wc == dc:
                distance = SAME_STATE_KM if ws and ws == ds else SAME_COUNTRY_KM
            else:
                distance = UNKNOWN_KM
        batch._region_cache[key] = distance
        return distance

    @api.model
    def _sort_by_distance(self, warehouse_ids, info, batch):
        """``[(distance, WarehouseInfo)]`` nearest first (name breaks ties)."""
        ranked = []
        for warehouse_id in warehouse_ids:
            warehouse = batch.warehouses.get(warehouse_id)
            if warehouse and warehouse.company_id == info.company_id:
                ranked.append((self._get_distance(warehouse, info, batch), warehouse))
        ranked.sort(key=lambda pair: (pair[0], pair[1].name, pair[1].id))
        return ranked

    # ------------------------------------------------------------------ decisions
    @api.model
    def _decide(self, info, batch):
        """The ``RoutingDecision`` of one order: the first matching rule whose strategy finds
        a warehouse wins; a rule's fallback applies when its strategy finds none."""
        misses = []
        matched = False
        for conditions in batch.rules:
            if not self.env["oms.routing.rule"]._matches_conditions(conditions, info):
                continue
            matched = True
            decision = getattr(self, f"_route_with_{conditions['strategy']}")(
                info, conditions, batch
            )
            if decision:
                self._allocate(decision, info, batch)
                return decision
            miss = self.env._(
                "%(rule)s: no warehouse can ship every line from stock",
                rule=conditions["name"],
            )
            decision = self._decide_fallback(info, conditions, batch, miss)
            if decision:
                return decision
            misses.append(miss)
        if not matched:
            return RoutingDecision(
                order_id=info.id,
                state="held",
                reason=self.env._("No routing rule matches this order: held for review."),
            )
        return RoutingDecision(
            order_id=info.id,
            state="held",
            reason=self.env._("%(misses)s. Held for review.", misses="; ".join(misses)),
        )

    @api.model
    def _decide_fallback(self, info, conditions, batch, miss):
        """The ``RoutingDecision`` of the rule's fallback when its strategy found no warehouse
        (``miss``: why): backordered in the fallback warehouse (allocated), or held; None when
        the rule has no fallback and the next rule is tried."""
        if conditions["fallback"] == "backorder":
            warehouse = batch.warehouses[conditions["fallback_warehouse_id"]]
            decision = RoutingDecision(
                order_id=info.id,
                state="backorder",
                rule_id=conditions["rule_id"],
                warehouse_id=warehouse.id,
                reason=self.env._(
                    "%(miss)s: backordered in %(warehouse)s.",
                    miss=miss,
                    warehouse=warehouse.name,
                ),
            )
            self._allocate(decision, info, batch)
            return decision
        if conditions["fallback"] == "hold":
            return RoutingDecision(
                order_id=info.id,
                state="held",
                rule_id=conditions["rule_id"],
                reason=self.env._("%(miss)s: held for review.", miss=miss),
            )
        return None

    @api.model
    def _allocate(self, decision, info, batch):
        for line_id, product_id, qty in info.lines:
            warehouse_id = decision.line_warehouses.get(line_id, decision.warehouse_id)
            batch.allocate(product_id, warehouse_id, qty)

    @api.model
    def _can_ship_all(self, demand, warehouse_id, batch):
        return all(
            batch.available(product_id, warehouse_id) >= qty - QTY_EPSILON
            for product_id, qty in demand.items()
        )

    @api.model
    def _route_with_fixed(self, info, conditions, batch):
        warehouse = batch.warehouses.get(conditions["warehouse_id"])
        if not warehouse or warehouse.company_id != info.company_id:
            return None
        if self._can_ship_all(info.demand, warehouse.id, batch):
            reason = self.env._(
                "%(rule)s: shipped from %(warehouse)s.",
                rule=conditions["name"],
                warehouse=warehouse.name,
            )
        else:
            reason = self.env._(
                "%(rule)s: shipped from %(warehouse)s (not everything is in stock there: the "
                "missing quantities wait for replenishment).",
                rule=conditions["name"],
                warehouse=warehouse.name,
            )
        return RoutingDecision(
            order_id=info.id,
            state="routed",
            rule_id=conditions["rule_id"],
            warehouse_id=warehouse.id,
            reason=reason,
        )

    @api.model
    def _get_candidate_warehouses(self, info, conditions, batch):
        return conditions["warehouse_ids"] or batch.company_warehouses[info.company_id]

    @api.model
    def _route_with_nearest(self, info, conditions, batch):
        demand = info.demand
        ranked = self._sort_by_distance(
            self._get_candidate_warehouses(info, conditions, batch), info, batch
        )
        for distance, warehouse in ranked:
            if self._can_ship_all(demand, warehouse.id, batch):
                return RoutingDecision(
                    order_id=info.id,
                    state="routed",
                    rule_id=conditions["rule_id"],
                    warehouse_id=warehouse.id,
                    reason=self.env._(
                        "%(rule)s: %(warehouse)s is the nearest warehouse (%(km)s km) with every "
                        "line in stock.",
                        rule=conditions["name"],
                        warehouse=warehouse.name,
                        km=round(distance),
                    ),
                )
        return None

    @api.model
    def _route_with_split(self, info, conditions, batch):
        """One shipment when a warehouse has everything; else, greedily, the warehouse that
        can ship the most remaining lines (the nearest on a tie), up to the maximum number of
        shipments. Lines are not split themselves."""
        single = self._route_with_nearest(info, conditions, batch)
        if single:
            return single
        ranked = self._sort_by_distance(
            self._get_candidate_warehouses(info, conditions, batch), info, batch
        )
        max_shipments = conditions["max_shipments"]
        line_warehouses, chosen = self._split_lines(info, ranked, max_shipments, batch)
        if line_warehouses is None:
            return None
        return self._prepare_split_decision(info, conditions, batch, line_warehouses, chosen)

    @api.model
    def _split_lines(self, info, ranked, max_shipments, batch):
        """``(line id -> warehouse id, chosen warehouse ids)`` of the greedy split of the
        order's storable lines over the ``ranked`` warehouses; the first element is None when
        some line finds no warehouse within ``max_shipments``."""
        remaining = {line_id: (product_id, qty) for line_id, product_id, qty in info.lines}
        taken = defaultdict(float)
        line_warehouses = {}
        chosen = []
        while remaining and len(chosen) < max_shipments:
            best, best_lines = self._get_best_split_warehouse(
                ranked, chosen, remaining, taken, batch
            )
            if not best:
                break
            for line_id in best_lines:
                product_id, qty = remaining[line_id]
                # two lines of one product may each fit alone but not together
                if batch.available(product_id, best.id) - taken[product_id, best.id] >= (
                    qty - QTY_EPSILON
                ):
                    taken[product_id, best.id] += qty
                    line_warehouses[line_id] = best.id
                    del remaining[line_id]
            chosen.append(best.id)
        return (None if remaining else line_warehouses), chosen

    @api.model
    def _get_best_split_warehouse(self, ranked, chosen, remaining, taken, batch):
        """``(WarehouseInfo, line ids)``: the not yet chosen warehouse that can ship the most
        ``remaining`` lines with what the split has not ``taken`` yet (the nearest on a tie),
        or ``(None, [])``."""
        best, best_lines = None, []
        for _distance, warehouse in ranked:
            if warehouse.id in chosen:
                continue
            lines = [
                line_id
                for line_id, (product_id, qty) in remaining.items()
                if batch.available(product_id, warehouse.id) - taken[product_id, warehouse.id]
                >= qty - QTY_EPSILON
            ]
            if len(lines) > len(best_lines):
                best, best_lines = warehouse, lines
        return best, best_lines

    @api.model
    def _prepare_split_decision(self, info, conditions, batch, line_warehouses, chosen):
        """The ``RoutingDecision`` of a split: the lines routing did not place (services,
        consumables) ship with the first warehouse."""
        primary = chosen[0]
        for line_id in info.all_line_ids:
            line_warehouses.setdefault(line_id, primary)
        counts = defaultdict(int)
        for line_id, _product_id, _qty in info.lines:
            counts[line_warehouses[line_id]] += 1
        parts = ", ".join(
            self.env._(
                "%(warehouse)s (%(count)s lines)",
                warehouse=batch.warehouses[wh].name,
                count=counts[wh],
            )
            for wh in chosen
        )
        return RoutingDecision(
            order_id=info.id,
            state="routed",
            rule_id=conditions["rule_id"],
            warehouse_id=primary,
            line_warehouses=line_warehouses,
            reason=self.env._(
                "%(rule)s: no warehouse has everything; split in %(count)s shipments: %(parts)s.",
                rule=conditions["name"],
                count=len(chosen),
                parts=parts,
            ),
        )

    # ------------------------------------------------------------------ recording
    @api.model
    def _prepare_routing_vals(self, decision, routed_at):
        """Values written on the sale order for ``decision``. Keep them the same for many
        orders (no per-order text here): orders sharing them are written together."""
        vals = {
            "oms_routing_state": decision.state,
            "oms_routing_rule_id": decision.rule_id or False,
            "oms_routed_at": routed_at,
        }
        if decision.warehouse_id:
            vals["warehouse_id"] = decision.warehouse_id
        return vals

    @api.model
    def _prepare_decision_vals(self, decision, routed_at):
        """Values of the ``oms.routing.decision`` kept for ``decision``."""
        return {
            "order_id": decision.order_id,
            "state": decision.state,
            "rule_id": decision.rule_id or False,
            "warehouse_id": decision.warehouse_id or False,
            "split": len(decision.warehouse_ids) > 1,
            "reason": decision.reason,
        }

    @api.model
    def _apply_decisions(self, orders, decisions):
        """Record the decisions: orders with the same outcome are written together (one write
        per outcome, not per order), the history is created in one batch, split lines get
        their warehouse. Everything is left to the next flush, which updates each table in
        as few statements as possible."""
        routed_at = fields.Datetime.now()
        # oms_routing_write: the company check of these writes looks at the warehouse only
        # (see sale.order's _check_company)
        orders = orders.with_context(tracking_disable=True, oms_routing_write=True)
        groups, lines_by_warehouse, unsplit_order_ids = self._group_decisions(decisions, routed_at)
        Line = self.env["sale.order.line"].with_context(tracking_disable=True)
        # lines that an earlier routing split and that now ship with their order; looked up
        # before anything is written, so that this search flushes nothing
        stale = Line.search(
            [("order_id", "in", unsplit_order_ids), ("oms_warehouse_id", "!=", False)]
        )
        # writing the warehouse of the orders marks their lines for recomputation, which
        # reads the orders' lines: read them for the whole batch at once, not once per group
        orders.fetch(["order_line"])
        for key, order_ids in groups.items():
            orders.browse(order_ids).with_prefetch(orders._prefetch_ids).write(dict(key))
        self.env["oms.routing.decision"].sudo().create(  # the log follows the routing
            [self._prepare_decision_vals(decision, routed_at) for decision in decisions]
        )
        for warehouse_id, line_ids in lines_by_warehouse.items():
            Line.browse(line_ids).write({"oms_warehouse_id": warehouse_id})
        if stale:
            stale.write({"oms_warehouse_id": False})
        _logger.info(
            "Routed %s orders: %s",
            len(decisions),
            {
                state: sum(1 for d in decisions if d.state == state)
                for state in ("routed", "backorder", "held")
            },
        )

    @api.model
    def _group_decisions(self, decisions, routed_at):
        """(``{sorted routing vals items: order ids}``, ``{warehouse id: split line ids}``, ids
        of the orders not split) of ``decisions``: how ``_apply_decisions`` writes them."""
        groups = defaultdict(list)
        lines_by_warehouse = defaultdict(list)
        unsplit_order_ids = []
        for decision in decisions:
            vals = self._prepare_routing_vals(decision, routed_at)
            groups[tuple(sorted(vals.items()))].append(decision.order_id)
            if decision.line_warehouses:
                for line_id, warehouse_id in decision.line_warehouses.items():
                    lines_by_warehouse[warehouse_id].append(line_id)
            else:
                unsplit_order_ids.append(decision.order_id)
        return groups, lines_by_warehouse, unsplit_order_ids
