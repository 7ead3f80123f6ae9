# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vectorised demand forecasting.

Every function works on a whole catalogue at once: a 2-D array ``y`` holds one daily demand series
per row (product x warehouse) and one column per day. The recursions of the smoothing methods loop
over the days, never over the series, so 10,000 products cost about as much as one.

This module knows nothing about Odoo: ``oms.forecast.run`` reads the history with SQL, hands the
arrays to :func:`forecast_catalogue` and stores what comes back.
"""

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

METHODS = ("ma", "ses", "holt", "seasonal", "croston", "sba")
METHOD_LABELS = {
    "ma": "Moving average",
    "ses": "Simple exponential smoothing",
    "holt": "Holt (trend)",
    "seasonal": "Holt-Winters (weekly and yearly seasonality)",
    "croston": "Croston",
    "sba": "Syntetos-Boylan (SBA)",
    "none": "No demand",
}
SMOOTH_METHODS = ("ma", "ses", "holt", "seasonal")
INTERMITTENT_METHODS = ("ma", "croston", "sba")
# Syntetos-Boylan cut-off: a sale less often than every 1.32 days on average is intermittent demand.
INTERMITTENT_ADI = 1.32
MA_WINDOW = 28
SES_ALPHAS = (0.05, 0.1, 0.2, 0.4)
HOLT_PARAMS = ((0.05, 0.02), (0.1, 0.05), (0.2, 0.05), (0.1, 0.2))  # (alpha, beta)
HW_PARAMS = ((0.05, 0.0, 0.05), (0.2, 0.0, 0.05), (0.05, 0.05, 0.05), (0.2, 0.05, 0.1))
CROSTON_ALPHA = 0.1
MIN_HISTORY_DAYS = 14
BURN_IN_DAYS = 7
EPS = 1e-9


@dataclass
class ForecastResult:
    """What the engine returns for n series; arrays are indexed like the rows of the input."""

    method: np.ndarray  # (n,) method codes (str)
    demand_class: np.ndarray  # (n,) 'smooth', 'intermittent', 'new' or 'none'
    daily: np.ndarray  # (n, horizon_days) daily forecast from the forecast origin
    backtest_daily: np.ndarray  # (n, holdout_days) chosen method's forecast over the holdout
    wape: np.ndarray  # (n,) weekly-bucket WAPE of the chosen method on the holdout (nan if no sale)
    mase: np.ndarray  # (n,) MASE of the chosen method on the holdout
    scores: dict  # method -> (n,) MASE of every candidate (nan where not a candidate)
    sigma_week: np.ndarray  # (n,) standard deviation of a week's forecast error
    outliers: dict = field(default_factory=dict)  # see damp_outliers


def z_value(service_level_percent):
    """Standard normal quantile for a service level in percent (95 -> 1.645)."""
    level = min(max(service_level_percent / 100.0, 0.5), 0.9999)
    return NormalDist().inv_cdf(level)


# --------------------------------------------------------------------------------------------
# History cleaning
# --------------------------------------------------------------------------------------------
def damp_outliers(y, factor=4.0, min_sales_days=8):
    """Winsorise one-off spikes, series by series, without a loop over the series.

    A day is a spike when it sells more than ``q75 + factor * IQR`` of that series' selling days
    (and at least twice, and ``factor`` Poisson deviations above, its median selling day).
    Spikes are cut down to that threshold.
    Series with fewer than ``min_sales_days`` selling days are left as they are.

    Returns ``(damped, info)``; ``info`` holds per series ``count`` (damped days), ``excess``
    (quantity removed), ``threshold``, ``top_day`` (index of the largest spike, -1 if none) and
    ``top_qty`` (its original quantity).
    """
    n, days = y.shape
    selling = y > 0
    count = selling.sum(axis=1)
    ordered = np.where(selling, y, np.inf)
    ordered.sort(axis=1)
    rows = np.arange(n)

    q25, median, q75 = (
        ordered[rows, np.clip(np.floor((count - 1) * q).astype(int), 0, days - 1)]
        for q in (0.25, 0.5, 0.75)
    )
    del ordered
    threshold = _spike_threshold(q25, median, q75, factor)
    threshold = np.where(count >= min_sales_days, threshold, np.inf)
    over = y > threshold[:, None]
    excess_matrix = np.where(over, y - threshold[:, None], 0.0)
    damped = np.where(over, threshold[:, None], y)
    has = over.any(axis=1)
    info = {
        "count": over.sum(axis=1),
        "excess": excess_matrix.sum(axis=1),
        "threshold": np.where(np.isfinite(threshold), threshold, 0.0),
        "top_day": np.where(has, excess_matrix.argmax(axis=1), -1),
        "top_qty": np.where(has, y[rows, excess_matrix.argmax(axis=1)], 0.0),
    }
    return damped, info


def _spike_threshold(q25, median, q75, factor):
    """Per series, the quantity above which a selling day is a spike (see ``damp_outliers``),
    from the quartiles of its selling days."""
    with np.errstate(invalid="ignore"):
        # the square-root term keeps ordinary Poisson noise of slow sellers from counting as spikes
        return np.maximum.reduce(
            [q75 + factor * (q75 - q25), 2.0 * median, median + factor * np.sqrt(median) + factor]
        )


def first_sale_index(y):
    """Index of each series' first selling day (``days`` when it never sold)."""
    selling = y > 0
    return np.where(selling.any(axis=1), selling.argmax(axis=1), y.shape[1])


def _initial_level(y, start, window=BURN_IN_DAYS):
    """Mean demand over the first ``window`` days after each series' first sale."""
    n, days = y.shape
    cumsum = np.zeros((n, days + 1))
    np.cumsum(y, axis=1, out=cumsum[:, 1:])
    begin = np.minimum(start, days)
    end = np.minimum(begin + window, days)
    rows = np.arange(n)
    span = np.maximum(end - begin, 1)
    return (cumsum[rows, end] - cumsum[rows, begin]) / span


# --------------------------------------------------------------------------------------------
# Forecast methods: each takes (y, start, calendar, horizon) and returns (n, horizon) daily values
# --------------------------------------------------------------------------------------------
@dataclass
class Calendar:
    """Day-of-week and week-of-year of every column, history and horizon together."""

    first_ordinal: int  # date.toordinal() of column 0

    def dow(self, begin, end):
        ordinals = np.arange(self.first_ordinal + begin, self.first_ordinal + end)
        return (ordinals - 1) % 7  # date.fromordinal(1) is a Monday: 0 = Monday

    def week_of_year(self, begin, end):
        import datetime

        first = datetime.date.fromordinal(self.first_ordinal + begin)
        jan1 = datetime.date(first.year, 1, 1).toordinal()
        ordinals = np.arange(self.first_ordinal + begin, self.first_ordinal + end)
        # day of year without a Python loop: walk year boundaries as needed (at most a few)
        result = np.empty(end - begin, dtype=int)
        year = first.year
        pos = 0
        while pos < len(ordinals):
            next_jan1 = datetime.date(year + 1, 1, 1).toordinal()
            stop = np.searchsorted(ordinals, next_jan1)
            result[pos:stop] = np.minimum((ordinals[pos:stop] - jan1) // 7, 51)
            pos, year, jan1 = stop, year + 1, next_jan1
        return result


def forecast_moving_average(y, start, calendar, horizon, window=MA_WINDOW):
    n, days = y.shape
    begin = np.maximum(days - window, np.minimum(start, days - 1))
    cumsum = np.concatenate([np.zeros((n, 1)), np.cumsum(y, axis=1)], axis=1)
    rows = np.arange(n)
    level = (cumsum[:, days] - cumsum[rows, begin]) / np.maximum(days - begin, 1)
    return np.repeat(level[:, None], horizon, axis=1)


def _valid_mask(start, days):
    return (np.arange(days)[None, :] >= start[:, None]).astype(float)


def forecast_ses(y, start, calendar, horizon, alphas=SES_ALPHAS):
    """Simple exponential smoothing; alpha chosen per series by in-sample one-step error."""
    n, days = y.shape
    alpha = np.asarray(alphas)[None, :]
    level = np.repeat(_initial_level(y, start)[:, None], len(alphas), axis=1)
    sse = np.zeros_like(level)
    valid = _valid_mask(start, days)
    scored = _valid_mask(start + BURN_IN_DAYS, days)
    for t in range(days):
        err = y[:, t : t + 1] - level
        sse += scored[:, t : t + 1] * err * err
        level += alpha * err * valid[:, t : t + 1]
    best = sse.argmin(axis=1)
    final = level[np.arange(n), best]
    return np.repeat(final[:, None], horizon, axis=1)


def forecast_holt(y, start, calendar, horizon, params=HOLT_PARAMS):
    """Holt's linear trend (error-correction form); parameters chosen in-sample per series."""
    n, days = y.shape
    alpha = np.array([p[0] for p in params])[None, :]
    beta = np.array([p[1] for p in params])[None, :]
    level = np.repeat(_initial_level(y, start)[:, None], len(params), axis=1)
    trend = np.zeros_like(level)
    sse = np.zeros_like(level)
    valid = _valid_mask(start, days)
    scored = _valid_mask(start + BURN_IN_DAYS, days)
    for t in range(days):
        predicted = level + trend
        err = y[:, t : t + 1] - predicted
        sse += scored[:, t : t + 1] * err * err
        v = valid[:, t : t + 1]
        level = np.where(v > 0, predicted + alpha * err, level)
        trend = trend + v * alpha * beta * err
    best = sse.argmin(axis=1)
    rows = np.arange(n)
    steps = np.arange(1, horizon + 1)[None, :]
    return np.maximum(level[rows, best][:, None] + trend[rows, best][:, None] * steps, 0.0)


def yearly_indices(y, start, calendar, days):
    """Week-of-year indices (n, 52) by ratio to a centred 365-day moving average.

    Needs a full year of centred averages (about 18 months of history); where a week of the year
    has no estimate the index is 1. Indices are smoothed over neighbouring weeks and average to 1.
    """
    n = y.shape[0]
    half = 182
    if days < 2 * half + 1 + 7:
        return np.ones((n, 52))
    cumsum = np.concatenate([np.zeros((n, 1)), np.cumsum(y[:, :days], axis=1)], axis=1)
    centre = np.arange(half, days - half)
    cma = (cumsum[:, centre + half + 1] - cumsum[:, centre - half]) / (2 * half + 1)
    usable = (centre[None, :] - half >= start[:, None]) & (cma > EPS)
    ratio = np.where(usable, y[:, centre] / np.where(cma > EPS, cma, 1.0), 0.0)
    weeks = calendar.week_of_year(centre[0], centre[-1] + 1)
    onehot = np.zeros((len(centre), 52))
    onehot[np.arange(len(centre)), weeks] = 1.0
    sums = ratio @ onehot
    counts = usable.astype(float) @ onehot
    index = np.where(counts >= 4, sums / np.maximum(counts, 1), 1.0)
    # smooth over neighbouring weeks (circular) to stop one noisy week from dominating
    index = (np.roll(index, 1, axis=1) + index + np.roll(index, -1, axis=1)) / 3.0
    index = np.clip(index, 0.05, 20.0)
    return index / index.mean(axis=1, keepdims=True)


def _initial_weekly_indices(y, valid, dow_hist):
    """(n, 7) initial day-of-week indices of ``y`` from its own valid days (``dow_hist``: the
    weekday of each column), clipped to 0.05..7."""
    days = y.shape[1]
    dow_onehot = np.zeros((days, 7))
    dow_onehot[np.arange(days), dow_hist] = 1.0
    dow_sum = (y * valid) @ dow_onehot
    dow_count = np.maximum(valid @ dow_onehot, 1.0)
    dow_mean = dow_sum / dow_count
    overall = dow_mean.mean(axis=1, keepdims=True)
    weekly0 = np.where(overall > EPS, dow_mean / np.maximum(overall, EPS), 1.0)
    return np.clip(weekly0, 0.05, 7.0)


def _fit_holt_winters(y, start, dow_hist, params):
    """(level (n, 1), trend (n, 1), day-of-week indices (n, 7) summing to 7) at the end of
    ``y`` (``dow_hist``: the weekday of each column) of the Holt-Winters run, among ``params``
    (alpha, beta, gamma), with the least squared error after the burn-in, per series."""
    n, days = y.shape
    rows = np.arange(n)
    valid = _valid_mask(start, days)
    weekly0 = _initial_weekly_indices(y, valid, dow_hist)
    k = len(params)
    alpha = np.array([p[0] for p in params])[None, :]
    beta = np.array([p[1] for p in params])[None, :]
    gamma = np.array([p[2] for p in params])[None, :]
    weekly = np.repeat(weekly0[:, None, :], k, axis=1)  # (n, k, 7)
    level = np.repeat(_initial_level(y, start)[:, None], k, axis=1)
    trend = np.zeros_like(level)
    sse = np.zeros_like(level)
    scored = _valid_mask(start + BURN_IN_DAYS, days)
    for t in range(days):
        d = dow_hist[t]
        season = weekly[:, :, d]
        base = level + trend
        obs = y[:, t : t + 1]
        err = obs - base * season
        sse += scored[:, t : t + 1] * err * err
        v = valid[:, t : t + 1]
        new_level = np.maximum(base + alpha * err / season, 0.0)
        trend = trend + v * alpha * beta * err / season
        level = np.where(v > 0, new_level, level)
        ratio = np.where(level > EPS, obs / np.maximum(level, EPS), season)
        weekly[:, :, d] = np.clip(
            np.where(v > 0, gamma * ratio + (1 - gamma) * season, season), 0.05, 7.0
        )
    best = sse.argmin(axis=1)
    level_b = level[rows, best][:, None]
    trend_b = trend[rows, best][:, None]
    weekly_b = weekly[rows, best, :]  # (n, 7)
    weekly_b = weekly_b * 7.0 / np.maximum(weekly_b.sum(axis=1, keepdims=True), EPS)
    return level_b, trend_b, weekly_b


def forecast_seasonal(y, start, calendar, horizon, params=HW_PARAMS):
    """Holt-Winters: additive trend, multiplicative day-of-week indices, on a series first
    divided by its yearly (week-of-year) indices; the forecast is multiplied back."""
    days = y.shape[1]
    yearly = yearly_indices(y, start, calendar, days)
    woy_hist = calendar.week_of_year(0, days)
    woy_future = calendar.week_of_year(days, days + horizon)
    deseasonalised = y / yearly[:, woy_hist]
    dow_hist = calendar.dow(0, days)
    level_b, trend_b, weekly_b = _fit_holt_winters(deseasonalised, start, dow_hist, params)
    steps = np.arange(1, horizon + 1)[None, :]
    dow_future = calendar.dow(days, days + horizon)
    base = np.maximum(level_b + trend_b * steps, 0.0)
    return base * weekly_b[:, dow_future] * yearly[:, woy_future]


def _croston(y, start, horizon, alpha=CROSTON_ALPHA, debias=False):
    n, days = y.shape
    selling = y > 0
    valid = _valid_mask(start, days) > 0
    count = np.maximum((selling & valid).sum(axis=1), 1)
    span = np.maximum(days - np.minimum(start, days), 1)
    size = np.where(selling, y, 0.0).sum(axis=1) / count
    interval = span / count
    gap = np.ones(n)
    for t in range(days):
        sold = selling[:, t] & valid[:, t]
        size = np.where(sold, size + alpha * (y[:, t] - size), size)
        interval = np.where(sold, interval + alpha * (gap - interval), interval)
        gap = np.where(sold, 1.0, gap + valid[:, t])
    rate = size / np.maximum(interval, 1.0)
    if debias:
        rate *= 1 - alpha / 2
    return np.repeat(rate[:, None], horizon, axis=1)


def forecast_croston(y, start, calendar, horizon):
    return _croston(y, start, horizon)


def forecast_sba(y, start, calendar, horizon):
    return _croston(y, start, horizon, debias=True)


METHOD_FUNCTIONS = {
    "ma": forecast_moving_average,
    "ses": forecast_ses,
    "holt": forecast_holt,
    "seasonal": forecast_seasonal,
    "croston": forecast_croston,
    "sba": forecast_sba,
}


# --------------------------------------------------------------------------------------------
# Selection by backtest, final forecast
# --------------------------------------------------------------------------------------------
def classify_demand(y, start):
    """'none', 'new' (< 2 weeks since the first sale), 'intermittent' (ADI >= 1.32) or 'smooth'."""
    n, days = y.shape
    selling_days = (y > 0).sum(axis=1)
    span = days - np.minimum(start, days)
    adi = np.where(selling_days > 0, span / np.maximum(selling_days, 1), np.inf)
    return np.where(
        selling_days == 0,
        "none",
        np.where(
            span < MIN_HISTORY_DAYS,
            "new",
            np.where(adi >= INTERMITTENT_ADI, "intermittent", "smooth"),
        ),
    )


def _weekly_sums(matrix, week_of_column):
    """Sum columns into weeks; ``week_of_column`` gives each column's week number (0..w-1)."""
    weeks = int(week_of_column.max()) + 1 if len(week_of_column) else 0
    onehot = np.zeros((matrix.shape[1], weeks))
    onehot[np.arange(matrix.shape[1]), week_of_column] = 1.0
    return matrix @ onehot


def forecast_catalogue(
    y,
    first_ordinal,
    holdout_days,
    horizon_days,
    methods=METHODS,
    outlier_factor=4.0,
    holdout_week_of_day=None,
):
    """Choose a method per series by backtest, then forecast ``horizon_days`` ahead.

    :param y: (n, days) daily demand, the last column is the day before the forecast origin
    :param first_ordinal: ``date.toordinal()`` of column 0
    :param holdout_days: the last ``holdout_days`` of history are held out for the backtest
    :param horizon_days: days to forecast from the origin
    :param holdout_week_of_day: week number (0..) of each holdout day, to compute the weekly WAPE
        and the weekly error deviation; by default consecutive 7-day blocks
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return _forecast_catalogue(
            np.asarray(y, dtype=float),
            first_ordinal,
            holdout_days,
            horizon_days,
            methods,
            outlier_factor,
            holdout_week_of_day,
        )


def _forecast_catalogue(
    y, first_ordinal, holdout_days, horizon_days, methods, outlier_factor, holdout_week_of_day
):
    n, days = y.shape
    damped, outliers = damp_outliers(y, factor=outlier_factor)
    start = first_sale_index(damped)
    calendar = Calendar(first_ordinal)
    train_days = days - holdout_days
    train, actual = damped[:, :train_days], y[:, train_days:]
    start_train = np.minimum(start, train_days)
    demand_class = classify_demand(damped, start)
    class_train = classify_demand(train, start_train)
    scale = _naive_scale(train, start_train, train_days)
    chosen, scores, backtests = _select_by_backtest(
        train, actual, start_train, class_train, calendar, methods, holdout_days, scale
    )
    # too little history to judge: a moving average of what there is
    chosen = np.where(np.isin(demand_class, ("new",)), "ma", chosen)
    chosen = np.where(demand_class == "none", "none", chosen)
    daily, backtest_daily = _forecast_chosen(
        damped, start, calendar, chosen, methods, backtests, horizon_days, holdout_days
    )
    wape, mase, sigma_week = _backtest_errors(
        actual, backtest_daily, daily, demand_class, scale, holdout_days, holdout_week_of_day
    )
    return ForecastResult(
        method=chosen.astype(str),
        demand_class=demand_class,
        daily=daily,
        backtest_daily=backtest_daily,
        wape=wape,
        mase=mase,
        scores=scores,
        sigma_week=sigma_week,
        outliers=outliers,
    )


def _naive_scale(train, start_train, train_days):
    """Per series, the mean absolute error of the seasonal naive forecast (same weekday a week
    before) over the valid training days: the MASE denominator; the mean demand (at least
    ``EPS``) where that is zero or the history is a week or shorter."""
    n = train.shape[0]
    naive_err = np.abs(train[:, 7:] - train[:, :-7]) if train_days > 7 else np.zeros((n, 1))
    naive_valid = _valid_mask(start_train + 7, train_days)[:, 7:] if train_days > 7 else None
    if naive_valid is not None:
        scale = (naive_err * naive_valid).sum(axis=1) / np.maximum(naive_valid.sum(axis=1), 1)
    else:
        scale = np.zeros(n)
    return np.where(scale > EPS, scale, np.maximum(train.mean(axis=1), EPS))


def _select_by_backtest(
    train, actual, start_train, class_train, calendar, methods, holdout_days, scale
):
    """(chosen method per series, {method: MASE per series}, {method: backtest forecast}):
    each method forecasts the ``holdout_days`` after ``train``; per series the candidate
    method (intermittent or smooth, by ``class_train``) with the lowest MASE is chosen
    ("ma" when none is)."""
    n = train.shape[0]
    scores = {}
    backtests = {}
    best_score = np.full(n, np.inf)
    chosen = np.full(n, "ma", dtype=object)
    for method in methods:
        fc = METHOD_FUNCTIONS[method](train, start_train, calendar, holdout_days)
        mae = np.abs(actual - fc).mean(axis=1) if holdout_days else np.zeros(n)
        mase = mae / scale
        candidate = np.where(
            np.isin(class_train, ("intermittent",)),
            method in INTERMITTENT_METHODS,
            method in SMOOTH_METHODS,
        )
        mase = np.where(candidate, mase, np.nan)
        scores[method] = mase
        backtests[method] = fc
        better = candidate & (mase < best_score - 1e-12)
        best_score = np.where(better, mase, best_score)
        chosen = np.where(better, method, chosen)
    return chosen, scores, backtests


def _forecast_chosen(
    damped, start, calendar, chosen, methods, backtests, horizon_days, holdout_days
):
    """(forecast of the ``horizon_days`` ahead, backtest forecast of the holdout) per series,
    each by its ``chosen`` method on the whole (damped) history; zero for "none"."""
    n = damped.shape[0]
    daily = np.zeros((n, horizon_days))
    backtest_daily = np.zeros((n, holdout_days))
    for method in methods:
        rows = np.flatnonzero(chosen == method)
        if not len(rows):
            continue
        sub = damped[rows]
        daily[rows] = METHOD_FUNCTIONS[method](sub, start[rows], calendar, horizon_days)
        backtest_daily[rows] = backtests[method][rows]
    return daily, backtest_daily


def _backtest_errors(
    actual, backtest_daily, daily, demand_class, scale, holdout_days, holdout_week_of_day
):
    """(weekly WAPE, MASE, weekly error deviation) per series of the chosen method's backtest,
    by week of the holdout (``holdout_week_of_day``, by default consecutive 7-day blocks); the
    deviation is at least the Poisson-like noise of the first forecast week."""
    n = actual.shape[0]
    if holdout_week_of_day is None:
        holdout_week_of_day = np.arange(holdout_days) // 7
    weekly_actual = _weekly_sums(actual, holdout_week_of_day)
    weekly_fc = _weekly_sums(backtest_daily, holdout_week_of_day)
    weekly_err = weekly_actual - weekly_fc
    total_actual = weekly_actual.sum(axis=1)
    wape = np.where(total_actual > EPS, np.abs(weekly_err).sum(axis=1) / total_actual, np.nan)
    mae = np.abs(actual - backtest_daily).mean(axis=1) if holdout_days else np.zeros(n)
    mase = np.where(demand_class == "none", np.nan, mae / scale)
    week_len = np.bincount(holdout_week_of_day) if holdout_days else np.array([7])
    full = week_len == 7
    if full.any():
        sigma_week = np.sqrt((weekly_err[:, full] ** 2).mean(axis=1))
    else:
        sigma_week = np.zeros(n)
    # at least the noise a Poisson-like demand of that size would have over a week
    sigma_week = np.maximum(sigma_week, np.sqrt(np.maximum(daily[:, :7].sum(axis=1), 0.0)) * 0.5)
    return wape, mase, sigma_week


# --------------------------------------------------------------------------------------------
# Stock cover, stock-out date, reorder quantity
# --------------------------------------------------------------------------------------------
def stock_projection(daily, on_hand, receipts):
    """Cover and stock-out day per series.

    :param daily: (n, h) daily forecast from today
    :param on_hand: (n,) stock now
    :param receipts: (n, h) quantities expected in on each day (received at the start of the day)
    :returns: ``(cover_days, stockout_day)``: cover is how many days the stock on hand lasts
        without receipts (extrapolated at the last week's rate beyond the horizon, capped at
        9999); stockout_day is the index of the first day on which projected stock, receipts
        included, cannot meet the day's demand (-1 when it lasts beyond the horizon).
    """
    n, horizon = daily.shape
    cumulative = np.cumsum(daily, axis=1)
    rows = np.arange(n)
    # cover: fractional days until cumulative demand exceeds the stock on hand
    exhausted = cumulative > on_hand[:, None] + EPS
    ever = exhausted.any(axis=1)
    first = np.where(ever, exhausted.argmax(axis=1), horizon)
    before = np.where(first > 0, cumulative[rows, np.maximum(first - 1, 0)], 0.0)
    today_demand = daily[rows, np.minimum(first, horizon - 1)]
    partial = np.where(today_demand > EPS, (on_hand - before) / np.maximum(today_demand, EPS), 0)
    tail_rate = daily[:, -7:].mean(axis=1) if horizon else np.zeros(n)
    beyond = np.where(
        tail_rate > EPS, horizon + (on_hand - cumulative[:, -1]) / np.maximum(tail_rate, EPS), 9999
    )
    cover = np.where(ever, first + np.clip(partial, 0, 1), beyond)
    cover = np.where(on_hand <= EPS, 0.0, np.minimum(cover, 9999.0))
    # stock-out with receipts
    position = on_hand[:, None] + np.cumsum(receipts, axis=1) - cumulative
    short = position < -EPS
    stockout_day = np.where(short.any(axis=1), short.argmax(axis=1), -1)
    return cover, stockout_day


def round_order_quantity(qty, min_qty, multiple):
    """Round a positive need up to the supplier's minimum, then up to its order multiple."""
    qty = np.asarray(qty, dtype=float)
    needed = qty > EPS
    qty = np.where(needed, np.maximum(qty, min_qty), 0.0)
    safe_multiple = np.where(multiple > EPS, multiple, 1.0)
    rounded = np.ceil(qty / safe_multiple - 1e-9) * safe_multiple
    return np.where(multiple > EPS, rounded, qty)


def replenishment(
    daily, on_hand, incoming, sigma_week, lead_days, review_days, z, min_qty, multiple
):
    """Safety stock, reorder point, order-up-to level and the suggested order quantity.

    * demand over the lead time = forecast summed over the next ``lead_days`` days
      (fractional days count pro rata);
    * safety stock = z x sigma_week x sqrt(lead_days / 7);
    * reorder point = lead-time demand + safety stock;
    * order-up-to = forecast over lead time + review period + safety stock;
    * suggestion = order-up-to - (on hand + incoming) when that position is at or below the
      reorder point, rounded up to the supplier's minimum and multiple; 0 otherwise.
    """
    lead_demand = sum_days(daily, lead_days)
    cycle_demand = sum_days(daily, lead_days + review_days)
    safety = z * sigma_week * np.sqrt(np.maximum(lead_days, 0) / 7.0)
    reorder_point = lead_demand + safety
    order_up_to = cycle_demand + safety
    position = on_hand + incoming
    need = np.where(position <= reorder_point + EPS, order_up_to - position, 0.0)
    need = np.where(reorder_point > EPS, need, 0.0)
    suggested = round_order_quantity(np.maximum(need, 0.0), min_qty, multiple)
    return {
        "lead_demand": lead_demand,
        "safety_stock": safety,
        "reorder_point": reorder_point,
        "order_up_to": order_up_to,
        "suggested": suggested,
    }


def sum_days(daily, days):
    """Sum of each row over its first ``days[i]`` days (fractional allowed; beyond the horizon the
    last week's average rate is used)."""
    n, horizon = daily.shape
    days = np.broadcast_to(np.asarray(days, dtype=float), (n,))
    cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(daily, axis=1)], axis=1)
    whole = np.floor(np.minimum(days, horizon)).astype(int)
    rows = np.arange(n)
    total = cumulative[rows, whole]
    frac = np.minimum(days, horizon) - whole
    total += frac * daily[rows, np.minimum(whole, horizon - 1)]
    tail_rate = daily[:, -7:].mean(axis=1)
    total += np.maximum(days - horizon, 0) * tail_rate
    return total


def ceil_to(value, multiple):
    """Round up to a multiple (plain ceiling to 4 decimals when there is no multiple)."""
    if multiple and multiple > 0:
        return math.ceil(value / multiple - 1e-9) * multiple
    return value
