# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The factories every test folder of the repository builds its records with: products with
stock, partners, warehouses and channels. The fixtures of each area (intake, routing,
accounting, returns, forecast) call them with their own values.

The methods carry ``oms`` in their names so that they never clash with Odoo's own test helpers
(``AccountTestInvoicingCommon._create_product``, ...)."""

import itertools

_sequence = itertools.count(1)


class OmsFactoryMixin:
    """Class methods for ``setUpClass`` (they read ``cls.env``)."""

    @classmethod
    def _next_oms_number(cls):
        """A number no other record of the test run has (unique codes and references)."""
        return next(_sequence)

    @classmethod
    def _create_oms_product(cls, name, stock=0.0, location=None, **values):
        """A storable product (``values`` complete or override its vals) with ``stock`` units on
        hand in ``location`` (default: the main warehouse's stock), counted by an applied
        inventory adjustment as a user would."""
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                **values,
            }
        )
        if stock:
            location = location or cls.env.ref("stock.warehouse0").lot_stock_id
            cls._count_oms_stock(product, location, stock)
        return product

    @classmethod
    def _count_oms_stock(cls, product, location, quantity):
        """Set ``product``'s quantity in ``location`` with an applied inventory count."""
        cls.env["stock.quant"].create(
            {"product_id": product.id, "location_id": location.id, "inventory_quantity": quantity}
        ).action_apply_inventory()

    @classmethod
    def _create_oms_partner(cls, name, country_code=None, latitude=0.0, longitude=0.0, **values):
        """A partner, in ``country_code``'s country (``base.<code>``) when given."""
        if country_code:
            values["country_id"] = cls.env.ref(f"base.{country_code}").id
        if latitude or longitude:
            values.update(partner_latitude=latitude, partner_longitude=longitude)
        return cls.env["res.partner"].create({"name": name, **values})

    @classmethod
    def _create_oms_warehouse(cls, name, code, **values):
        return cls.env["stock.warehouse"].create({"name": name, "code": code, **values})

    @classmethod
    def _create_oms_channel(cls, name, code=None, platform="generic", **values):
        """A channel of ``platform``; ``code`` unique when not given."""
        return cls.env["oms.channel"].create(
            {
                "name": name,
                "code": code or f"oms-test-{cls._next_oms_number()}",
                "platform": platform,
                **values,
            }
        )
