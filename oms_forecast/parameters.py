# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings of one forecast run, fixed when it starts (``oms.forecast.run._get_parameters``)."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ForecastParameters:
    """What a run needs to know besides the data: the forecast origin, the company's settings
    and the dates derived from them. Frozen: every step of a run sees the same values; derive
    a variant with ``dataclasses.replace(params, today=...)``.

    The history ends the day before ``today``; the backtest holds out ``backtest_weeks`` full
    weeks plus the current week up to yesterday; the horizon runs from today to the end of the
    current week plus ``horizon_weeks`` weeks.
    """

    today: date
    history_days: int
    backtest_weeks: int
    horizon_weeks: int
    service_level: float
    interval_level: float
    overstock_days: int
    review_days: int
    default_lead_days: int
    outlier_factor: float
    tz: str = "UTC"

    @property
    def monday(self):
        """Monday of the current week."""
        return self.today - timedelta(days=self.today.weekday())

    @property
    def history_start(self):
        """First day of the demand history."""
        return self.today - timedelta(days=self.history_days)

    @property
    def holdout_start(self):
        """First day of the backtest weeks (a Monday)."""
        return self.monday - timedelta(weeks=self.backtest_weeks)

    @property
    def holdout_days(self):
        """Days from the holdout start to yesterday, the current week's past days included."""
        return (self.today - self.holdout_start).days

    @property
    def horizon_days(self):
        """Days forecast from today: the rest of the current week and the horizon weeks."""
        return (7 - self.today.weekday()) + 7 * self.horizon_weeks
