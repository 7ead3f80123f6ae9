# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    oms_return_location_id = fields.Many2one(
        "stock.location",
        string="Returns Location",
        check_company=True,
        help="Returned goods wait here for inspection: valued, but outside the stock location so "
        "never reserved for deliveries.",
    )
    oms_quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine Location",
        check_company=True,
        help="Grade B returns (to refurbish): valued, never reserved for deliveries.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses._ensure_oms_return_locations()
        return warehouses

    def _prepare_oms_return_location_vals(self, name):
        self.ensure_one()
        return {
            "name": name,
            "usage": "internal",
            "location_id": self.view_location_id.id,
            "company_id": self.company_id.id,
        }

    def _ensure_oms_return_locations(self):
        """Create the Returns and Quarantine locations of the warehouses lacking them, as
        children of the warehouse's view location (beside, not under, its stock)."""
        # Locations are warehouse configuration; creating them on the fly must not depend on the
        # rights of the user who approves the first return.
        for warehouse in self.sudo():
            vals = {}
            if not warehouse.oms_return_location_id:
                vals["oms_return_location_id"] = (
                    self.env["stock.location"]
                    .sudo()  # as above: warehouse configuration
                    .create(warehouse._prepare_oms_return_location_vals(_("Returns")))
                    .id
                )
            if not warehouse.oms_quarantine_location_id:
                vals["oms_quarantine_location_id"] = (
                    self.env["stock.location"]
                    .sudo()  # as above: warehouse configuration
                    .create(warehouse._prepare_oms_return_location_vals(_("Quarantine")))
                    .id
                )
            if vals:
                warehouse.write(vals)
