# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.sql import create_unique_index


class OmsRegionDistance(models.Model):
    """Shipping distance between two countries (or two states), used by routing when a
    warehouse or a customer has no coordinates. One row serves both directions."""

    _name = "oms.region.distance"
    _description = "Region Distance"
    _order = "country_from_id, country_to_id"

    country_from_id = fields.Many2one("res.country", required=True, ondelete="cascade")
    state_from_id = fields.Many2one(
        "res.country.state",
        ondelete="cascade",
        domain="[('country_id', '=', country_from_id)]",
        help="Empty: the whole country.",
    )
    country_to_id = fields.Many2one("res.country", required=True, ondelete="cascade")
    state_to_id = fields.Many2one(
        "res.country.state",
        ondelete="cascade",
        domain="[('country_id', '=', country_to_id)]",
        help="Empty: the whole country.",
    )
    distance_km = fields.Float(string="Distance (km)", required=True)

    _sql_constraints = [
        ("distance_positive", "CHECK(distance_km >= 0)", "A distance cannot be negative."),
    ]

    def init(self):
        # one row per pair of regions, "whole country" (no state) included
        create_unique_index(
            self.env.cr,
            "oms_region_distance_regions_uniq",
            self._table,
            [
                "country_from_id",
                "COALESCE(state_from_id, 0)",
                "country_to_id",
                "COALESCE(state_to_id, 0)",
            ],
        )

    @api.constrains("state_from_id", "state_to_id", "country_from_id", "country_to_id")
    def _check_states(self):
        for row in self:
            if row.state_from_id and row.state_from_id.country_id != row.country_from_id:
                raise ValidationError(
                    _(
                        "State %(state)s is not in %(country)s.",
                        state=row.state_from_id.name,
                        country=row.country_from_id.name,
                    )
                )
            if row.state_to_id and row.state_to_id.country_id != row.country_to_id:
                raise ValidationError(
                    _(
                        "State %(state)s is not in %(country)s.",
                        state=row.state_to_id.name,
                        country=row.country_to_id.name,
                    )
                )

    @api.model
    def _get_distance_table(self):
        """Every row as ``{(country, state, country, state): km}`` in both directions, states
        ``0`` for a whole country: loaded once per routing batch."""
        table = {}
        for row in self.search_read(
            [], ["country_from_id", "state_from_id", "country_to_id", "state_to_id", "distance_km"]
        ):
            a = (row["country_from_id"][0], row["state_from_id"] and row["state_from_id"][0] or 0)
            b = (row["country_to_id"][0], row["state_to_id"] and row["state_to_id"][0] or 0)
            table[a + b] = row["distance_km"]
            table[b + a] = row["distance_km"]
        return table
