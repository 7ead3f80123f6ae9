# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the marketplace tests: a RUB world (pricelist, 22 % VAT included), a marketplace
channel mapped to a warehouse, and the samples of ``tests/data/marketplace``."""

import copy
import json
from pathlib import Path

from odoo import Command

from .fake_servers import FakeServer

DATA = Path(__file__).parent / "data" / "marketplace"


def sample(name):
    return json.loads((DATA / name).read_text())


class MarketplaceMixin:
    """Call ``_setup_marketplace(platform, code, external warehouse id)`` in setUpClass."""

    @classmethod
    def _setup_marketplace(cls, platform, code, external_warehouse):
        env = cls.env
        env["oms.routing.rule"].search([]).action_archive()
        rub = env.ref("base.RUB")
        rub.active = True
        company = env.company
        cls.pricelist = env["product.pricelist"].create(
            {"name": f"{platform} RUB", "currency_id": rub.id, "company_id": company.id}
        )
        cls.vat_22 = env["account.tax"].create(
            {
                "name": f"НДС 22% incl. ({code})",
                "amount": 22.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )
        cls.warehouse = env["stock.warehouse"].create({"name": f"{platform} FBS", "code": code[:5]})
        cls.guest = env["res.partner"].create({"name": f"{platform} buyer"})
        cls.server = FakeServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.channel = env["oms.channel"].create(
            {
                "name": f"{platform.title()} test",
                "code": code,
                "platform": platform,
                "api_url": cls.server.url,
                "api_key": "test-api-key",
                "marketplace_client_id": "2380987",
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "customer_policy": "guest",
                "guest_partner_id": cls.guest.id,
                "require_shipping_address": False,
                "tax_mapping_ids": [
                    Command.create(
                        {"rate": 22.0, "tax_id": cls.vat_22.id, "tax_included_id": cls.vat_22.id}
                    )
                ],
                "marketplace_warehouse_ids": [
                    Command.create(
                        {
                            "external_id": external_warehouse,
                            "name": "FBS",
                            "warehouse_id": cls.warehouse.id,
                        }
                    )
                ],
            }
        )

    @classmethod
    def _create_product(cls, code, name, barcode=False, stock=0.0):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "barcode": barcode,
                "type": "consu",
                "is_storable": True,
            }
        )
        if stock:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, stock
            )
        return product

    def _orders(self):
        return self.env["sale.order"].search([("oms_channel_id", "=", self.channel.id)])

    def _run_jobs(self, trap):
        """Run the trapped jobs (and those they enqueue) like the queue would."""
        trap.perform_enqueued_jobs()

    @staticmethod
    def _copy(payload, **values):
        payload = copy.deepcopy(payload)
        payload.update(values)
        return payload
