"""Reps' calls and the hidden response of sales to them.

Today's call plan: each account (hospital, clinic, pharmacy, or an account sold to direct)
wants calls a month by its type and size; a rep whose accounts want more than it can make
spreads what it can over them in proportion. Month by month the calls made vary around the
plan with the rep's field time (leave, Spring Festival). An account's sales in a month follow
its calls through an ADBUDG curve (Little 1970) in ``ProcessTruth.call_response``: share of
the account's potential = lo + (hi - lo) · x^c / (d + x^c), times the account's hidden
affinity (mean 1). The data show the calls (the ``visits`` table) and the sales (terminals'
flow data, direct accounts' orders), never the curve: estimation is checked against it.

Prospects (terminals that do not buy our products yet) get calls only where their rep has a
relationship; each month a prospect is won with a chance that rises with that month's calls
(``ProcessTruth.win_response``, the same ADBUDG form) and buys from then on.

Meetings (department meetings at hospitals, academic meetings at top hospitals led by an
academic specialist) are drawn month by month, independently of the calls, and recorded with
their time. An academic meeting raises its hospital's sales by ``academic_meeting_lift`` that
month and by that times ``academic_meeting_carryover`` the next (the doctors it taught keep
prescribing); department meetings have no effect on sales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.calendar import business_days
from data.generate.parameters import ProcessTruth

#: share of a rep's calls a month it can make, by calendar month (Spring Festival; the
#: October Golden Week)
FIELD_MONTH = np.array([1.0, 0.65, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 1.0, 1.0])
#: share of a rep's call capacity (field days × calls a day) it plans: the rest goes to
#: travel, meetings and paperwork
PLANNED_SHARE = 0.9


def response_share(calls: np.ndarray, params: np.ndarray) -> np.ndarray:
    """ADBUDG share of potential for ``calls`` a month; ``params`` rows (lo, hi, c, d)."""
    lo, hi, c, d = (params[..., k] for k in range(4))
    xc = np.power(np.maximum(calls, 0.0), c)
    return lo + (hi - lo) * xc / (d + xc)


def curve_params(types: np.ndarray, truth: ProcessTruth) -> np.ndarray:
    """Each account's response parameters (rows lo, hi, c, d) by its type."""
    table = {t: np.asarray(v, dtype=float) for t, v in truth.call_response.items()}
    return np.stack([table[t] for t in types]) if len(types) else np.empty((0, 4))


def desired_calls(types: np.ndarray, potential: np.ndarray, truth: ProcessTruth,
                  rng: np.random.Generator) -> np.ndarray:
    """Calls a month each account would get from a rep with time: its type's norm, more for
    a larger potential (elasticity ``planned_calls_size_elasticity``), and the rep's habit
    (lognormal)."""
    base = np.array([truth.planned_calls_per_month[t] for t in types], dtype=float)
    median = pd.Series(potential).groupby(types).transform("median").to_numpy()
    size = np.where(median > 0, potential / np.where(median > 0, median, 1.0), 1.0)
    sigma = truth.planned_calls_sigma
    return (base * np.power(np.maximum(size, 1e-6), truth.planned_calls_size_elasticity)
            * rng.lognormal(-0.5 * sigma**2, sigma, len(types)))


def call_capacity(reps: pd.DataFrame) -> np.ndarray:
    """Calls a month each rep plans: field days × calls a day × :data:`PLANNED_SHARE`."""
    return (reps["field_days_per_month"].to_numpy() * reps["calls_per_day"].to_numpy()
            * PLANNED_SHARE)


def planned_calls(desired: np.ndarray, rep_index: np.ndarray,
                  capacity: np.ndarray) -> np.ndarray:
    """Today's plan: a rep whose accounts want more calls than it can make scales them all
    down in proportion; one with time to spare does not add calls."""
    load = np.bincount(rep_index, desired, minlength=len(capacity))
    scale = np.minimum(1.0, capacity / np.where(load > 0, load, 1.0))
    return desired * scale[rep_index]


def monthly_calls(planned: np.ndarray, rep_index: np.ndarray, n_reps: int,
                  months: pd.DataFrame, truth: ProcessTruth,
                  rng: np.random.Generator) -> np.ndarray:
    """Calls made per account and month (integers): the plan times the rep's field time that
    month (calendar share and a lognormal per rep-month), Poisson."""
    sigma = truth.rep_month_sigma
    cal = FIELD_MONTH[[p.month - 1 for p in months["period"]]]
    avail = rng.lognormal(-0.5 * sigma**2, sigma, (n_reps, len(months))) * cal[None, :]
    return rng.poisson(planned[:, None] * avail[rep_index])


def prospect_calls(prospect: np.ndarray, truth: ProcessTruth,
                   rng: np.random.Generator) -> np.ndarray:
    """Calls a month today's reps want on each prospect (0 for the others and for prospects
    off the rep's list): ``prospect_planned_calls`` times the rep's habit (lognormal)."""
    sigma = truth.planned_calls_sigma
    listed = prospect & (rng.random(len(prospect)) < truth.prospect_call_list_share)
    habit = rng.lognormal(0.0, sigma, len(prospect))
    return np.where(listed, truth.prospect_planned_calls * habit, 0.0)


def won_months(calls: np.ndarray, prospect: np.ndarray, truth: ProcessTruth,
               rng: np.random.Generator) -> np.ndarray:
    """The month (column of ``calls``, accounts × months) each prospect is won in: the first
    whose draw falls under the win chance at that month's calls; -1 for a prospect not won
    and for an account that is no prospect."""
    chance = response_share(calls, np.asarray(truth.win_response, dtype=float))
    hit = (rng.random(calls.shape) < chance) & prospect[:, None]
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def meeting_months(types: np.ndarray, n_months: int, truth: ProcessTruth,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which account-months (accounts × months, bool) hold a department meeting and which an
    academic one: each with its type's chance a month, independently."""
    out = {}
    for what, chance in (("department_meeting", truth.department_meeting_probability),
                         ("academic_meeting", truth.academic_meeting_probability)):
        p = pd.Series(types).map(chance).fillna(0.0).to_numpy(dtype=float)
        out[what] = rng.random((len(types), n_months)) < p[:, None]
    return out


def meeting_lift(academic: np.ndarray, truth: ProcessTruth) -> np.ndarray:
    """Each account-month's sales multiplier from the academic meetings (accounts × months,
    bool): 1 + lift · (a meeting that month) + lift · carryover · (one the month before)."""
    held = academic.astype(float)
    before = np.zeros_like(held)
    before[:, 1:] = held[:, :-1]
    return 1.0 + truth.academic_meeting_lift * (held + truth.academic_meeting_carryover
                                                * before)


def sales_lift(calls: np.ndarray, planned: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Each account-month's sales against its planned rate: s(calls made) / s(planned)."""
    base = response_share(planned, params)
    return response_share(calls, params[:, None, :]) / np.where(base > 0, base, 1.0)[:, None]


def _doctor_of(terminal_row: np.ndarray, doctors_terminal_row: np.ndarray,
               weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A doctor (row) of each visit's terminal, picked in proportion to ``weights``; -1 at a
    terminal without doctors."""
    u = rng.random(len(terminal_row))
    if not len(doctors_terminal_row):
        return np.full(len(terminal_row), -1)
    order = np.argsort(doctors_terminal_row, kind="stable")
    sorted_rows = doctors_terminal_row[order]
    cum = np.concatenate([[0.0], np.cumsum(weights[order])])
    first = np.searchsorted(sorted_rows, terminal_row, side="left")
    last = np.searchsorted(sorted_rows, terminal_row, side="right")
    found = last > first
    # the doctor whose share of the terminal's cumulative weight holds the draw
    pos = np.searchsorted(cum, cum[first] + u * (cum[last] - cum[first]), side="right") - 1
    pos = np.clip(pos, first, np.maximum(first, last - 1))
    return np.where(found, order[np.minimum(pos, len(order) - 1)], -1)


def _dates(month: np.ndarray, months: pd.DataFrame, epoch: pd.Timestamp,
           rng: np.random.Generator) -> np.ndarray:
    """A working day (Monday to Friday, not a public holiday) of each visit's month."""
    start = np.array([p.start_time for p in months["period"]], dtype="datetime64[D]")
    end = np.array([(p + 1).start_time for p in months["period"]], dtype="datetime64[D]")
    start = np.maximum(start, np.datetime64(epoch.date(), "D"))
    workdays = np.busday_count(start, end, busdaycal=business_days())
    k = np.floor(rng.random(len(month)) * workdays[month]).astype(np.int64)
    return np.busday_offset(start[month], k, roll="forward", busdaycal=business_days())


def visits_table(accounts: pd.DataFrame, calls: np.ndarray,
                 meetings: dict[str, np.ndarray], months: pd.DataFrame,
                 epoch: pd.Timestamp, end: pd.Timestamp, doctors: pd.DataFrame,
                 reps: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The visits table: one row per call made (``calls``: accounts × months) and per
    meeting held (``meetings``: kind → accounts × months, :func:`meeting_months`).
    ``accounts`` has ``account_id``, ``account_type``, ``rep_id``, ``region`` and
    ``terminal_row`` (row in the terminals table, -1 for an account sold to direct)."""
    a_idx, m_idx = np.nonzero(calls)
    count = calls[a_idx, m_idx]
    a_idx, m_idx = np.repeat(a_idx, count), np.repeat(m_idx, count)
    kind = np.full(len(a_idx), "call", dtype=object)
    rep = accounts["rep_id"].to_numpy()[a_idx]
    # meetings at hospitals (:func:`meeting_months`)
    parts = [(a_idx, m_idx, kind, rep)]
    for what, held in meetings.items():
        hit_a, hit_m = np.nonzero(held)
        who = accounts["rep_id"].to_numpy()[hit_a]
        if what == "academic_meeting":  # led by an academic specialist of the region
            who = _specialists(accounts["region"].to_numpy()[hit_a], who, reps, rng)
        parts.append((hit_a, hit_m, np.full(len(hit_a), what, dtype=object), who))
    a_idx, m_idx, kind, rep = (np.concatenate(x) for x in zip(*parts, strict=True))
    t_row = accounts["terminal_row"].to_numpy()[a_idx]
    weight = doctors["weekly_target_patients"].to_numpy(dtype=float) + 1.0
    d_row = np.full(len(a_idx), -1)
    at_terminal = t_row >= 0
    d_row[at_terminal] = _doctor_of(t_row[at_terminal], doctors["terminal_row"].to_numpy(),
                                    weight, rng)
    minutes = np.select(
        [kind == "academic_meeting", kind == "department_meeting", d_row >= 0],
        [rng.uniform(90, 240, len(kind)), rng.uniform(40, 90, len(kind)),
         rng.gamma(4.0, 4.0, len(kind))], rng.gamma(3.0, 4.0, len(kind)))
    date = _dates(m_idx, months, epoch, rng)
    keep = date <= np.datetime64(end.date(), "D")
    out = pd.DataFrame({
        "rep_id": rep, "account_id": accounts["account_id"].to_numpy()[a_idx],
        "doctor_id": np.where(d_row >= 0, doctors["doctor_id"].to_numpy()[np.maximum(d_row, 0)]
                              if len(doctors) else None, None),
        "date": date.astype("datetime64[ns]"), "kind": kind,
        "minutes": np.maximum(5, np.round(minutes)).astype(np.int64)})[keep]
    out = out.sort_values(["date", "rep_id", "account_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "visit_id", [f"V{i + 1:07d}" for i in range(len(out))])
    return out


def _specialists(region: np.ndarray, own_rep: np.ndarray, reps: pd.DataFrame,
                 rng: np.random.Generator) -> np.ndarray:
    """An academic specialist of each meeting's region (the account's rep where the region
    has none)."""
    out = own_rep.copy()
    spec = reps[reps["academic_specialist"].astype(bool)]
    for r, pool in spec.groupby("region"):
        mask = region == r
        out[mask] = pool["rep_id"].to_numpy()[rng.integers(0, len(pool), int(mask.sum()))]
    return out
