# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Factories shared by the routing, 3PL, tracking and stock tests."""

from odoo import Command

from .common import OmsFactoryMixin

_counter = iter(range(1, 10**6))


class RoutingFactoryMixin(OmsFactoryMixin):
    """Warehouses with addresses and coordinates, products with stock, channel orders."""

    @classmethod
    def _setup_routing_world(cls):
        env = cls.env
        # the demo rules would route the test orders too: start from a clean rule set
        env["oms.routing.rule"].search([]).action_archive()
        cls.company = env.company
        cls.categ_fragile = env["product.category"].create({"name": "Fragile"})
        cls.categ_glass = env["product.category"].create(
            {"name": "Glass", "parent_id": cls.categ_fragile.id}
        )
        cls.wh_lyon = cls._create_warehouse("Lyon", "TLY", "fr", 45.7640, 4.8357)
        cls.wh_hamburg = cls._create_warehouse("Hamburg", "THA", "de", 53.5511, 9.9937)
        cls.wh_madrid = cls._create_warehouse("Madrid", "TMA", "es", 40.4168, -3.7038)
        cls.test_warehouses = cls.wh_lyon | cls.wh_hamburg | cls.wh_madrid
        cls.customer_paris = cls._create_customer("Claire Dubois", "fr", "75011", 48.8566, 2.3522)
        cls.customer_berlin = cls._create_customer("Jonas Weber", "de", "10115", 52.52, 13.405)
        cls.customer_porto = cls._create_customer("Ana Silva", "pt", "4000-123")  # no coordinates
        cls.channel = cls._create_oms_channel(
            "Routing Test Shop",
            f"routing-test-{next(_counter)}",
            routing_enabled=True,
            warehouse_id=cls.wh_lyon.id,
        )

    @classmethod
    def _create_warehouse(cls, name, code, country_code, latitude=0.0, longitude=0.0):
        partner = cls._create_oms_partner(f"{name} warehouse", country_code, latitude, longitude)
        return cls._create_oms_warehouse(f"{name} DC", code, partner_id=partner.id)

    @classmethod
    def _create_customer(cls, name, country_code, zip_code, latitude=0.0, longitude=0.0):
        return cls._create_oms_partner(
            name,
            country_code,
            latitude,
            longitude,
            zip=zip_code,
            city="City",
            street="1 Main Street",
        )

    @classmethod
    def _create_product(cls, name, categ=None, price=10.0):
        return cls._create_oms_product(
            name,
            default_code=f"RT-{next(_counter):05d}",
            list_price=price,
            categ_id=(categ or cls.env.ref("product.product_category_all")).id,
        )

    @classmethod
    def _set_stock(cls, product, warehouse, quantity):
        cls.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, quantity)

    @classmethod
    def _create_rule(cls, name, strategy, **vals):
        vals.update({"name": name, "strategy": strategy})
        vals.setdefault("warehouse_ids", [Command.set(cls.test_warehouses.ids)])
        return cls.env["oms.routing.rule"].create(vals)

    @classmethod
    def _create_channel_order(cls, lines, partner=None, channel=None, priority=False):
        channel = channel or cls.channel
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer_paris).id,
                "oms_channel_id": channel.id,
                "oms_priority": priority,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
        )
        number = next(_counter)
        cls.env["oms.channel.order"].create(
            {
                "channel_id": channel.id,
                "external_id": f"EXT-{number}",
                "external_name": f"#{number}",
                "sale_order_id": order.id,
            }
        )
        return order

    def _route(self, orders):
        return self.env["oms.routing.engine"].route_orders(orders)
