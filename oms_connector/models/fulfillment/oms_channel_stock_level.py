# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The products a channel sells and the stock last told to it."""

import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

STOCK_PUSH_DELAY = 30  # seconds: stock changes of this window are pushed together


class OmsChannelStockLevel(models.Model):
    """A product a channel sells, and the stock last told to it."""

    _name = "oms.channel.stock.level"
    _description = "Channel Stock Level"
    _order = "channel_id, product_id"
    _rec_name = "product_id"

    channel_id = fields.Many2one("oms.channel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_storable", "=", True)],
    )
    active = fields.Boolean(default=True)
    external_id = fields.Char(
        string="Channel Product ID",
        help="Shopify: variant id; WooCommerce: product (or variation) id. Generic channels "
        "use the internal reference (SKU). Learnt from the channel's orders (or the product "
        "mapping) when empty; an id typed here is never replaced.",
    )
    external_parent_id = fields.Char(
        string="Channel Parent Product ID",
        help="WooCommerce: parent product of a variation (the variable product's id); empty "
        "for a simple product. Learnt from the channel's orders when empty.",
    )
    external_inventory_id = fields.Char(
        string="Channel Inventory ID", help="Shopify: inventory item id (found from the variant)."
    )
    use_own_buffer = fields.Boolean(string="Own Buffer")
    buffer = fields.Float(
        digits="Product Unit of Measure", help="Units kept back for this product."
    )
    available_to_promise = fields.Float(
        compute="_compute_available_to_promise", digits="Product Unit of Measure"
    )
    last_quantity = fields.Float(
        string="Last Pushed Quantity", digits="Product Unit of Measure", readonly=True
    )
    last_pushed_at = fields.Datetime(readonly=True)
    dirty = fields.Boolean(string="To Push", index=True, readonly=True)
    error = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "channel_product_uniq",
            "unique(channel_id, product_id)",
            "The product has a stock level on this channel already.",
        ),
        ("buffer_positive", "CHECK(buffer >= 0)", "A safety buffer cannot be negative."),
    ]

    @api.depends("use_own_buffer", "buffer", "channel_id.stock_buffer", "product_id")
    def _compute_available_to_promise(self):
        for channel in self.channel_id:
            levels = self.filtered(lambda lv, c=channel: lv.channel_id == c)
            atp = channel._get_available_to_promise(levels)
            for level in levels:
                level.available_to_promise = atp[level.id]
        for level in self.filtered(lambda lv: not lv.channel_id):
            level.available_to_promise = 0.0

    def _prepare_pushed_vals(self, quantity, pushed_at):
        return {
            "last_quantity": quantity,
            "last_pushed_at": pushed_at,
            "dirty": False,
            "error": False,
        }

    @api.model
    def _mark_products_dirty(self, products):
        """Stock of ``products`` changed: flag their levels on syncing channels and enqueue
        one debounced push per channel."""
        products = products.filtered("is_storable")
        if not products:
            return
        levels = self.sudo().search(  # stock moves of any user change what channels show
            [
                ("product_id", "in", products.ids),
                ("channel_id.stock_sync", "=", True),
                ("active", "=", True),
            ]
        )
        if not levels:
            return
        levels.filtered(lambda lv: not lv.dirty).write({"dirty": True})
        for channel in levels.channel_id:
            channel._enqueue_stock_push()

    @api.model
    def _ensure_levels_for_orders(self, orders, normalized_orders=None):
        """Create the stock levels of the storable products sold on the orders' channels.

        ``normalized_orders`` (the ``NormalizedOrder`` of each order, aligned on ``orders``)
        teaches the levels the channel's ids of their products: see ``_create_missing_levels``.
        Returns the levels created."""
        normalized_by_order = (
            dict(zip(orders, normalized_orders, strict=True)) if normalized_orders else {}
        )
        pairs, channel_ids = set(), {}
        for order in orders.filtered("oms_channel_id"):
            normalized = normalized_by_order.get(order)
            lines = normalized.lines if normalized else []
            channel_lines = {line.external_id: line for line in lines}
            for line in order.order_line:
                if not line.product_id.is_storable:
                    continue
                key = (order.oms_channel_id.id, line.product_id.id)
                pairs.add(key)
                channel_line = channel_lines.get(line.oms_external_line_id)
                ids = self._get_channel_line_ids(channel_line) if channel_line else None
                if ids and key not in channel_ids:
                    channel_ids[key] = ids
        return self._create_missing_levels(pairs, channel_ids)

    @api.model
    def _get_channel_line_ids(self, channel_line):
        """``(external_id, external_parent_id)`` of a level selling what the channel order line
        ``channel_line`` (a ``NormalizedLine``) sold, or None when the line names no product.
        Extend to read more ids from the line."""
        external_id = (channel_line.external_product_id or "").strip()
        if external_id in ("", "0"):
            return None
        parent_id = (channel_line.external_parent_id or "").strip()
        return external_id, "" if parent_id == "0" else parent_id

    @api.model
    def _ensure_levels(self, channel_id, product_ids):
        """Stock levels of ``product_ids`` on the channel, created when missing."""
        return self._create_missing_levels({(channel_id, product_id) for product_id in product_ids})

    @api.model
    def _create_missing_levels(self, pairs, channel_ids=None):
        """Create the levels of the ``(channel id, product id)`` pairs that have none; return
        them. Levels new or without a channel product id get it from ``channel_ids``
        (``{pair: (external_id, external_parent_id)}``, learnt from orders), else from the
        channel's product mapping of the product (when there is exactly one); an id a user
        typed is never replaced. A few queries for any number of pairs."""
        if not pairs:
            return self.browse()
        channel_ids = dict(channel_ids or {})
        existing_by_pair = self._get_levels_by_pair(pairs)
        unknown = {
            pair
            for pair in pairs
            if pair not in channel_ids
            and not (pair in existing_by_pair and existing_by_pair[pair].external_id)
        }
        for pair, external_id in self._get_mapped_external_ids(unknown).items():
            channel_ids[pair] = (external_id, "")
        for pair, level in existing_by_pair.items():
            vals = level._prepare_learnt_ids_vals(*channel_ids.get(pair, ("", "")))
            if vals:
                level.write(vals)
        missing = [
            self._prepare_level_vals(c, p, *channel_ids.get((c, p), ("", "")))
            for c, p in sorted(pairs - set(existing_by_pair))
        ]
        return self.sudo().create(missing)  # levels follow sales, whoever made them

    @api.model
    def _get_levels_by_pair(self, pairs):
        """{(channel id, product id): level} of the existing levels (archived too) of ``pairs``,
        in one query."""
        existing = (
            self.sudo()  # levels follow sales, whoever made them
            .with_context(active_test=False)
            .search(
                [
                    ("channel_id", "in", [c for c, _p in pairs]),
                    ("product_id", "in", [p for _c, p in pairs]),
                ]
            )
        )
        return {
            (lv.channel_id.id, lv.product_id.id): lv
            for lv in existing
            if (lv.channel_id.id, lv.product_id.id) in pairs
        }

    @api.model
    def _prepare_level_vals(self, channel_id, product_id, external_id="", external_parent_id=""):
        """Values of a level created for a product the channel sells."""
        return {
            "channel_id": channel_id,
            "product_id": product_id,
            "external_id": external_id or False,
            "external_parent_id": external_parent_id or False,
            "dirty": True,
        }

    def _prepare_learnt_ids_vals(self, external_id, external_parent_id):
        """Values filling this level's empty channel ids with ids learnt from an order or a
        mapping; empty when there is nothing to fill. A parent id is taken only with the
        product id it belongs to. The level is pushed again (its last push may have failed
        for want of the id)."""
        self.ensure_one()
        vals = {}
        if not external_id:
            return vals
        if not self.external_id:
            vals["external_id"] = external_id
        if (
            external_parent_id
            and not self.external_parent_id
            and (self.external_id or external_id) == external_id
        ):
            vals["external_parent_id"] = external_parent_id
        if vals:
            vals.update(dirty=True, error=False)
        return vals

    @api.model
    def _get_mapped_external_ids(self, pairs):
        """``{(channel id, product id): channel product id}`` from the product mappings of the
        pairs, for the products mapped from exactly one channel product id (one query)."""
        if not pairs:
            return {}
        mappings = (
            self.env["oms.product.mapping"]
            .sudo()  # mappings are OMS settings; levels follow sales, whoever made them
            .search(
                [
                    ("channel_id", "in", list({c for c, _p in pairs})),
                    ("product_id", "in", list({p for _c, p in pairs})),
                    ("external_product_id", "!=", False),
                ]
            )
        )
        found = {}
        for mapping in mappings:
            pair = (mapping.channel_id.id, mapping.product_id.id)
            if pair in pairs:
                found.setdefault(pair, set()).add(mapping.external_product_id.strip())
        return {pair: ids.pop() for pair, ids in found.items() if len(ids) == 1 and "" not in ids}
