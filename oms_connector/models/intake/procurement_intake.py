# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What Odoo's confirmation repeats per stock move and the intake does once per batch.

``action_confirm`` of a batch of channel orders runs Odoo's own procurement: every rule, route,
multi-step chain, MTO and buy decision stays Odoo's. Two lookups in it only read configuration
that cannot change while the batch is confirmed, and Odoo makes them once per move:

- ``procurement.group._search_rule_for_warehouses`` (from ``_get_rule``): one ``read_group`` on
  ``stock.rule`` per procurement, i.e. per sale line, and again per chained step (pick, MTO);
- ``stock.move._trigger_scheduler``: one ``stock.warehouse.orderpoint`` search per move, for the
  auto-triggered reordering rules, although a batch rarely has any.

Inside ``procurement_batch(env)`` (opened by ``oms.channel.order._confirm_sale_order`` in the
intake) both answers are remembered for the batch, keyed on everything they are computed from;
outside it nothing changes. Measured with ``bench/intake.py``'s set-up (300 orders of 3 lines,
cProfile, queries counted per phase): the confirmation went from 24.3 to 18.6 queries per order
(rule lookups 3.0 -> 0.02, orderpoint searches 3.0 -> 0.36) and from 64 to 48 ms per order
under the profiler, on a shared, loaded machine.
"""

from collections import OrderedDict, defaultdict

from odoo import api, models

from ..procurement_batch import env_key, get_batch_cache


class ProcurementGroup(models.Model):
    _inherit = "procurement.group"

    @api.model
    def _search_rule_for_warehouses(
        self, route_ids, packaging_id, product_id, warehouse_ids, domain
    ):
        """In a ``procurement_batch``, the rules found for a set of arguments are reused for the
        same arguments instead of being read again per procurement.

        Odoo's ``read_group`` depends only on ``domain`` (locations, companies) and on the
        routes the method takes from its arguments: ``route_ids``, the packaging's routes, the
        product's and its category's routes, the warehouses' routes. The key holds exactly
        those (the product by its route set, so that products sharing routes share the
        answer) and the environment's visibility (``env_key``); rules and routes are not
        changed while a batch is confirmed. The answer is rebuilt in the caller's
        environment, as Odoo returns it."""
        cache = get_batch_cache(self.env)
        if cache is None:
            return super()._search_rule_for_warehouses(
                route_ids, packaging_id, product_id, warehouse_ids, domain
            )
        key = self._get_rule_search_cache_key(
            route_ids, packaging_id, product_id, warehouse_ids, domain
        )
        rules = cache.setdefault("rules", {})
        if key not in rules:
            found = super()._search_rule_for_warehouses(
                route_ids, packaging_id, product_id, warehouse_ids, domain
            )
            rules[key] = [
                (group_key, [(warehouse_id, rule.id) for warehouse_id, rule in by_wh.items()])
                for group_key, by_wh in found.items()
            ]
        Rule = self.env["stock.rule"]
        rule_dict = defaultdict(OrderedDict)
        for group_key, by_warehouse in rules[key]:
            for warehouse_id, rule_id in by_warehouse:
                rule_dict[group_key][warehouse_id] = Rule.browse(rule_id)
        return rule_dict

    @api.model
    def _get_rule_search_cache_key(
        self, route_ids, packaging_id, product_id, warehouse_ids, domain
    ):
        """Everything ``_search_rule_for_warehouses`` reads its answer from (a hashable tuple).
        Extend when an override of it reads more."""
        product_routes = product_id.route_ids | product_id.categ_id.total_route_ids
        return (
            env_key(self.env),
            tuple(route_ids.ids) if route_ids else (),
            packaging_id.id if packaging_id else False,
            tuple(sorted(product_routes.ids)),
            tuple(warehouse_ids.ids) if warehouse_ids else (),
            repr(domain),
        )


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    # a reordering rule created or changed inside a batch: what the batch knows of them is
    # dropped, the next moves ask the database again

    @api.model_create_multi
    def create(self, vals_list):
        self._forget_batch_orderpoints()
        return super().create(vals_list)

    def write(self, vals):
        self._forget_batch_orderpoints()
        return super().write(vals)

    def unlink(self):
        self._forget_batch_orderpoints()
        return super().unlink()

    @api.model
    def _forget_batch_orderpoints(self):
        cache = get_batch_cache(self.env)
        if cache is not None:
            cache.pop("auto_orderpoint_products", None)


class StockMove(models.Model):
    _inherit = "stock.move"

    def _trigger_scheduler(self):
        """In a ``procurement_batch``, only the moves whose product has an auto-triggered
        reordering rule go through Odoo's scheduler trigger.

        Odoo searches, for every move, the auto orderpoint of its product, company and
        locations, and does nothing for a move without one. A move whose product has no auto
        orderpoint at all (in any company or location the environment sees) finds none there,
        so leaving it out changes nothing; the others get Odoo's own search and
        procurement. Which products have one is asked once per product and batch."""
        cache = get_batch_cache(self.env)
        if cache is None or not self:
            return super()._trigger_scheduler()
        with_orderpoint = self._get_products_with_auto_orderpoint(cache)
        moves = self.filtered(lambda move: move.product_id.id in with_orderpoint)
        return super(StockMove, moves)._trigger_scheduler()

    def _get_products_with_auto_orderpoint(self, cache):
        """The ids of these moves' products having an auto-triggered reordering rule, asked
        of the database only for the products the batch does not know yet."""
        known = cache.setdefault("auto_orderpoint_products", {}).setdefault(env_key(self.env), {})
        unknown = [pid for pid in self.product_id.ids if pid not in known]
        if unknown:
            groups = self.env["stock.warehouse.orderpoint"]._read_group(
                [("product_id", "in", unknown), ("trigger", "=", "auto")], ["product_id"]
            )
            found = {product.id for (product,) in groups}
            known.update((pid, pid in found) for pid in unknown)
        return {pid for pid, has_one in known.items() if has_one}
