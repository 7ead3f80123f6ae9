# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math
import random
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models

WH_3PL = "oms_warehouse_3pl_demo"
WOO = "oms_channel_woocommerce_demo"
# (product xml id, warehouse xml id, channel xml id, pattern, daily level)
DEMO_SERIES = (
    ("oms_product_01_demo", "stock.warehouse0", "oms_channel_webshop_demo", "weekly", 6.0),
    ("oms_product_02_demo", "stock.warehouse0", "oms_channel_shopify_demo", "yearly", 3.0),
    ("oms_product_03_demo", "stock.warehouse0", "oms_channel_webshop_demo", "trend", 1.0),
    ("oms_product_05_demo", "stock.warehouse0", "oms_channel_shopify_demo", "level", 2.0),
    ("oms_product_06_demo", WH_3PL, WOO, "yearly", 2.0),
    ("oms_product_07_demo", WH_3PL, WOO, "level", 8.0),
    ("oms_product_13_demo", "stock.warehouse0", "oms_channel_webshop_demo", "spike", 4.0),
    ("oms_product_14_demo", "stock.warehouse0", "oms_channel_shopify_demo", "intermittent", 3.0),
    ("oms_product_15_demo", "stock.warehouse0", "oms_channel_webshop_demo", "intermittent", 2.0),
    ("oms_product_16_demo", "stock.warehouse0", "oms_channel_webshop_demo", "intermittent", 1.0),
)
DEMO_DAYS = 730


class OmsForecastRun(models.Model):
    _inherit = "oms.forecast.run"

    @api.model
    def _demo_create_sales_history(self):
        """Demo data only: two years of delivered channel sales with level, trend, weekly and
        yearly seasonality, intermittent demand, a one-off spike and a few returns.

        One confirmed order per channel and month carries the lines; its deliveries are done
        stock moves dated day by day (no picking), so the history installs in seconds."""
        rng = random.Random(42)
        today = fields.Date.context_today(self)
        first_day = today - timedelta(days=DEMO_DAYS)
        customer_location = self.env.ref("stock.stock_location_customers")
        quantities = self._demo_daily_quantities(rng, first_day)
        order_vals, order_keys = self._demo_prepare_order_vals_list(quantities, first_day)
        orders = self.env["sale.order"].with_context(tracking_disable=True).create(order_vals)
        # confirmed without procurement: the deliveries below are the history
        orders.write({"state": "sale"})
        line_of = {
            (month, wh_xmlid, line.product_id.id): line
            for order, (month, wh_xmlid, _ch) in zip(orders, order_keys, strict=True)
            for line in order.order_line
        }
        # no ``quantity``: setting it would reserve and move real stock through move lines; the
        # demo's stock on hand stays what oms_connector's demo counted
        moves = self.env["stock.move"].create(
            self._demo_prepare_move_vals_list(quantities, first_day, line_of, customer_location)
        )
        # a few customer returns (about 3 % of the deliveries)
        self.env["stock.move"].create(
            [
                self._demo_prepare_return_move_vals(move, customer_location)
                for move in moves
                if rng.random() < 0.03
            ]
        )
        for line in orders.order_line:
            line.qty_delivered = line.product_uom_qty
        return True

    @api.model
    def _demo_daily_quantities(self, rng, first_day):
        """{index of the ``DEMO_SERIES``: its quantity of each of the ``DEMO_DAYS`` days from
        ``first_day``}, drawn from ``rng`` series by series."""
        return {
            index: [
                self._demo_daily_qty(rng, pattern, level, first_day + timedelta(days=d), d)
                for d in range(DEMO_DAYS)
            ]
            for index, (_product, _wh, _ch, pattern, level) in enumerate(DEMO_SERIES)
        }

    @api.model
    def _demo_get_warehouse(self, wh_xmlid):
        """The warehouse of a ``DEMO_SERIES`` xml id (Odoo's own, or oms_connector's)."""
        return self.env.ref(wh_xmlid if "." in wh_xmlid else "oms_connector." + wh_xmlid)

    @api.model
    def _demo_prepare_order_vals_list(self, quantities, first_day):
        """(sale order values, their (month, warehouse xml id, channel xml id) keys): one order
        per channel, warehouse and month with a line per product of ``quantities`` ({series
        index: daily quantities from ``first_day``}) that sold that month."""
        ref = self.env.ref
        customer = ref("oms_connector.oms_customer_1_demo")
        months = sorted({(first_day + timedelta(days=d)).replace(day=1) for d in range(DEMO_DAYS)})
        groups = {}
        for index, (_product, wh_xmlid, ch_xmlid, _p, _l) in enumerate(DEMO_SERIES):
            groups.setdefault((wh_xmlid, ch_xmlid), []).append(index)
        order_vals = []
        order_keys = []
        for month in months:
            for (wh_xmlid, ch_xmlid), indexes in groups.items():
                lines = self._demo_prepare_line_commands(quantities, first_day, month, indexes)
                if not lines:
                    continue
                order_vals.append(
                    {
                        "partner_id": customer.id,
                        "warehouse_id": self._demo_get_warehouse(wh_xmlid).id,
                        "oms_channel_id": ref("oms_connector." + ch_xmlid).id,
                        "date_order": datetime.combine(max(month, first_day), time(9)),
                        "client_order_ref": f"HIST-{ch_xmlid[12:-5].upper()}-{month:%Y%m}",
                        "order_line": lines,
                    }
                )
                order_keys.append((month, wh_xmlid, ch_xmlid))
        return order_vals, order_keys

    @api.model
    def _demo_prepare_line_commands(self, quantities, first_day, month, indexes):
        """``order_line`` create commands of the series ``indexes`` that sold in ``month``: the
        month's total quantity of each."""
        lines = []
        for index in indexes:
            product = self.env.ref("oms_connector." + DEMO_SERIES[index][0])
            qty = sum(
                q
                for d, q in enumerate(quantities[index])
                if (first_day + timedelta(days=d)).replace(day=1) == month
            )
            if qty:
                lines.append(Command.create({"product_id": product.id, "product_uom_qty": qty}))
        return lines

    @api.model
    def _demo_prepare_move_vals_list(self, quantities, first_day, line_of, customer_location):
        """Values of the done delivery moves, one per series and selling day, each linked to its
        month's order line (``line_of``: {(month, warehouse xml id, product id): line})."""
        move_vals = []
        for index, (product_xmlid, wh_xmlid, _ch, _p, _l) in enumerate(DEMO_SERIES):
            product = self.env.ref("oms_connector." + product_xmlid)
            warehouse = self._demo_get_warehouse(wh_xmlid)
            for d, qty in enumerate(quantities[index]):
                if not qty:
                    continue
                day = first_day + timedelta(days=d)
                line = line_of[(day.replace(day=1), wh_xmlid, product.id)]
                move_vals.append(
                    {
                        "name": product.display_name,
                        "product_id": product.id,
                        "product_uom": product.uom_id.id,
                        "product_uom_qty": qty,
                        "location_id": warehouse.lot_stock_id.id,
                        "location_dest_id": customer_location.id,
                        "sale_line_id": line.id,
                        "warehouse_id": warehouse.id,
                        "date": datetime.combine(day, time(14)),
                        "state": "done",
                    }
                )
        return move_vals

    @api.model
    def _demo_prepare_return_move_vals(self, move, customer_location):
        """Values of a done customer return of one unit of the delivery ``move``, 5 days later."""
        return {
            "name": move.name,
            "product_id": move.product_id.id,
            "product_uom": move.product_uom.id,
            "product_uom_qty": 1.0,
            "location_id": customer_location.id,
            "location_dest_id": move.location_id.id,
            "sale_line_id": move.sale_line_id.id,
            "origin_returned_move_id": move.id,
            "date": move.date + timedelta(days=5),
            "state": "done",
        }

    @api.model
    def _demo_daily_qty(self, rng, pattern, level, day, index):
        """One day's demand of a demo series (Poisson around the pattern's mean)."""
        mean = level
        if pattern == "weekly":
            mean *= (0.6, 0.7, 0.8, 0.9, 1.2, 1.8, 1.0)[day.weekday()]
        elif pattern == "yearly":
            # winter product: peak in December, low in June
            mean *= 1.0 + 0.8 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 350) / 365.25)
        elif pattern == "trend":
            mean *= 1.0 + index / 60.0
        elif pattern == "intermittent":
            return float(rng.randint(1, int(level) * 2)) if rng.random() < 0.15 else 0.0
        elif pattern == "spike" and index == DEMO_DAYS - 100:
            return 120.0
        return float(self._demo_poisson(rng, max(mean, 0.0)))

    @api.model
    def _demo_poisson(self, rng, mean):
        # Knuth's method: fine for the small means of the demo
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    @api.model
    def _demo_compute(self):
        """Demo data only: compute the forecasts at once (no job) so they show after install."""
        run = self.create(self._prepare_run_vals(self.env.company))
        run._execute()
        return True
