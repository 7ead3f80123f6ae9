# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class RatioMeasureMixin(models.AbstractModel):
    """Measures that are ratios of two sums (WAPE, return rate, average order value) cannot be
    summed or averaged over a group: ``read_group`` recomputes them from their two sums."""

    _name = "oms.ratio.measure.mixin"
    _description = "Ratio measures for reports"

    @api.model
    def _get_ratio_measures(self):
        """{measure: (numerator field, denominator field, factor)}"""
        return {}

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        ratios = self._get_ratio_measures()
        names = [spec.split(":")[0] for spec in fields]
        wanted = {name: ratios[name] for name in names if name in ratios}
        extra = []
        for numerator, denominator, _factor in wanted.values():
            for name in (numerator, denominator):
                if name not in names and name not in extra:
                    extra.append(name)
        groups = super().read_group(
            domain,
            list(fields) + extra,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )
        for group in groups:
            for name, (numerator, denominator, factor) in wanted.items():
                base = group.get(denominator) or 0.0
                group[name] = factor * (group.get(numerator) or 0.0) / base if base else 0.0
            for name in extra:
                group.pop(name, None)
        return groups
