"""Payment terms per customer: one option each, most expected profit under portfolio limits.

For customer i and option o (monthly, 75 days, 1 % cash discount, quarterly rebate, cash before
delivery) the caller supplies expected annual sales s_io (CNY), contribution margin rate m_io,
receivable days d_io, bad-debt rate b_io and discount/rebate cost k_io (CNY/year); r is the
cost of capital per year. The option's expected profit is

    p_io = m_io s_io − r · d_io / 365 · s_io − b_io s_io − k_io

and the model (a 0/1 assignment with three ratio limits, linear after multiplying out)

    max  Σ p_io x_io
    s.t. Σ_o x_io = 1                               assign[i]
         Σ x_io s_io (d_io − D) ≤ 0                 dso_days          (portfolio DSO ≤ D)
         Σ x_io s_io (b_io − B) ≤ 0                 bad_debt_rate     (portfolio rate ≤ B)
         Σ_i S_i − Σ x_io s_io ≤ L Σ_i S_i           sales_loss_rate   (net loss ≤ L of today)
         x_io = 0 where the option is not allowed, x binary

S_i is customer i's sales today (on ``current_option``). The three limit rows are divided by
Σ S_i so that their units are days and rates. Solved by HiGHS from arrays; "optimal" only
when HiGHS's dual bound proves the profit within :data:`OPTIMALITY_GAP` (relative).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from data.problems import N_, InputError, Problem, Text
from models.inventory.highs import new_mip_highs

DAYS_PER_YEAR = 365.0
#: the five options of issue 10 in their usual order (index 0 is the usual "today")
OPTIONS = (
    "monthly",
    "extended_75_days",
    "cash_discount_1pct",
    "monthly_plus_quarterly_rebate",
    "cash_before_delivery",
)
#: relative gap at which a solution is called optimal (as in the location models)
OPTIMALITY_GAP = 1e-6
#: the step each limit is relaxed by to price it (see :func:`optimize_terms`)
PRICE_STEPS = {"dso_days": 1.0, "bad_debt_rate": 0.001, "sales_loss_rate": 0.001}
#: units the prices are reported in: CNY per day, and CNY per percentage point (0.01) of a rate
PRICE_UNITS = {"dso_days": 1.0, "bad_debt_rate": 0.01, "sales_loss_rate": 0.01}


@dataclass(frozen=True)
class TermsProblem:
    """Per customer × option arrays (shape (n, k)) and the cost of capital.

    ``allowed`` (bool (n, k), default all) forbids options by rule; every customer needs at
    least one allowed option. ``current_option`` (n,) ints, default 0, is each customer's option
    today, whose sales are the base of the sales-loss limit.
    """

    sales_cny: np.ndarray
    margin_rate: np.ndarray
    receivable_days: np.ndarray
    bad_debt_rate: np.ndarray
    discount_cost_cny: np.ndarray
    cost_of_capital_per_year: float
    allowed: np.ndarray | None = None
    current_option: np.ndarray | None = None
    option_names: tuple[str, ...] = OPTIONS
    #: (n, k) share of the option's sales invoiced on credit (default 1; 0 for cash before
    #: delivery). DSO and the bad-debt rate are per credit sales, as the KPIs measure them, and
    #: ``receivable_days`` / ``bad_debt_rate`` apply to the credit part.
    credit_share: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(np.shape(self.sales_cny))  # type: ignore[return-value]

    def allowed_mask(self) -> np.ndarray:
        if self.allowed is None:
            return np.ones(self.shape, dtype=bool)
        return np.asarray(self.allowed, dtype=bool)

    def today_sales_cny(self) -> np.ndarray:
        n, _ = self.shape
        cur = np.zeros(n, dtype=int) if self.current_option is None else self.current_option
        return np.asarray(self.sales_cny, dtype=float)[np.arange(n), np.asarray(cur, dtype=int)]

    def credit_sales_cny(self) -> np.ndarray:
        """s · c: the sales invoiced on credit per customer and option (CNY/year)."""
        s = np.asarray(self.sales_cny, dtype=float)
        return s if self.credit_share is None else s * np.asarray(self.credit_share, dtype=float)

    def financing_cost_cny(self) -> np.ndarray:
        """r · d / 365 · s · c per customer and option (CNY/year)."""
        return (self.cost_of_capital_per_year * np.asarray(self.receivable_days) / DAYS_PER_YEAR
                * self.credit_sales_cny())

    def profit_cny(self) -> np.ndarray:
        """Expected profit p_io (CNY/year) of each customer on each option."""
        s = np.asarray(self.sales_cny, dtype=float)
        return (np.asarray(self.margin_rate) * s - self.financing_cost_cny()
                - np.asarray(self.bad_debt_rate) * self.credit_sales_cny()
                - np.asarray(self.discount_cost_cny))


@dataclass(frozen=True)
class TermsSolution:
    """What :func:`optimize_terms` found; values only from a solution that exists.

    ``status``: "optimal" (gap ≤ :data:`OPTIMALITY_GAP` proven), "time_limit" (stopped with or
    without a solution) or "infeasible" (then ``infeasible_constraint`` names a limit that
    cannot be met and ``message`` the best value reachable). ``assignments``: option index per
    customer (−1 without a solution); ``binding``: limit name → profit of one more unit of it
    (CNY per day of DSO, CNY per percentage point of a rate), for limits whose relaxation pays.
    """

    status: str
    objective_cny: float | None
    bound_cny: float | None
    gap: float | None
    assignments: np.ndarray
    assignment_names: tuple[str, ...]
    portfolio: dict[str, float]
    binding: dict[str, float]
    infeasible_constraint: str | None
    message: str
    seconds: float
    limits: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- checks


def check_terms_problem(problem: TermsProblem) -> None:
    """Refuse a problem whose arrays do not fit together; every problem is listed."""
    src = "TermsProblem"
    problems: list[Problem] = []
    shape = np.shape(problem.sales_cny)
    if len(shape) != 2 or shape[0] < 1 or shape[1] < 1:
        raise InputError(Problem(src, "sales_cny", "a 2-d array (customers × options)",
                                 f"shape {shape}"), "terms problem refused")
    n, k = shape
    for name in ("sales_cny", "margin_rate", "receivable_days", "bad_debt_rate",
                 "discount_cost_cny"):
        a = np.asarray(getattr(problem, name), dtype=float)
        if a.shape != shape:
            problems.append(Problem(src, name, f"shape {shape}", f"shape {a.shape}"))
        elif not np.all(np.isfinite(a)):
            problems.append(Problem(src, name, "finite numbers", "NaN or inf"))
        elif name in ("sales_cny", "receivable_days", "discount_cost_cny") and np.any(a < 0):
            problems.append(Problem(src, name, "numbers >= 0", f"min {a.min():g}"))
        elif name == "bad_debt_rate" and (np.any(a < 0) or np.any(a > 1)):
            problems.append(Problem(src, name, "rates in 0..1", f"{a.min():g}..{a.max():g}"))
    r = problem.cost_of_capital_per_year
    if not (np.isfinite(r) and 0 <= r <= 1):
        problems.append(Problem(src, "cost_of_capital_per_year", "a rate in 0..1", r))
    if len(problem.option_names) != k:
        problems.append(Problem(src, "option_names", f"{k} names",
                                f"{len(problem.option_names)}"))
    if problem.credit_share is not None:
        c = np.asarray(problem.credit_share, dtype=float)
        if c.shape != shape:
            problems.append(Problem(src, "credit_share", f"shape {shape}", f"shape {c.shape}"))
        elif not np.all((c >= 0) & (c <= 1)):
            problems.append(Problem(src, "credit_share", "shares in 0..1",
                                    f"{np.nanmin(c):g}..{np.nanmax(c):g}"))
    if problem.allowed is not None:
        mask = np.asarray(problem.allowed)
        if mask.shape != shape:
            problems.append(Problem(src, "allowed", f"bool shape {shape}", f"shape {mask.shape}"))
        else:
            none = np.flatnonzero(~mask.astype(bool).any(axis=1))
            if none.size:
                problems.append(Problem(src, "allowed", "at least one option per customer",
                                        f"none for customers {none[:10].tolist()}"))
    if problem.current_option is not None:
        cur = np.asarray(problem.current_option)
        if cur.shape != (n,) or np.any(cur < 0) or np.any(cur >= k):
            problems.append(Problem(src, "current_option", f"{n} option indices 0..{k - 1}",
                                    f"shape {cur.shape}"))
    if problems:
        raise InputError(problems, "terms problem refused")


def check_limits(dso_target_days: float | None, bad_debt_target: float | None,
                 sales_loss_limit: float | None) -> None:
    problems = []
    if dso_target_days is not None and not (np.isfinite(dso_target_days)
                                            and dso_target_days >= 0):
        problems.append(Problem("optimize_terms", "dso_target_days", "days >= 0",
                                dso_target_days))
    for name, v in (("bad_debt_target", bad_debt_target), ("sales_loss_limit",
                                                            sales_loss_limit)):
        if v is not None and not (np.isfinite(v) and 0 <= v <= 1):
            problems.append(Problem("optimize_terms", name, "a rate in 0..1", v))
    if problems:
        raise InputError(problems, "terms limits refused")


# ---------------------------------------------------------------- build, solve, read back


@dataclass(frozen=True)
class TermsModel:
    """The MILP as arrays: one column per allowed (customer, option) pair, in row-major order;
    rows ``assign[0..n-1]`` then the limit rows named in ``limit_rows``."""

    lp: highspy.HighsLp
    customer: np.ndarray       # customer of each column
    option: np.ndarray         # option of each column
    limit_rows: tuple[str, ...]
    replacement: np.ndarray    # (n, k): the kept option standing in for each option


def build_terms_model(problem: TermsProblem, limits: dict[str, float]) -> TermsModel:
    """The MILP above for the limits given (keys of :data:`PRICE_STEPS`); HiGHS minimises, so
    the costs are −p. A dominated option (another allowed option of the same customer is no
    worse in profit and in every limit row, ties broken by index) gets no column: swapping it
    for its dominator keeps any solution feasible and no less profitable, so the optimum is
    unchanged."""
    n, k = problem.shape
    base = max(float(problem.today_sales_cny().sum()), 1e-9)
    s_all = np.asarray(problem.sales_cny, dtype=float)
    c_all = problem.credit_sales_cny()
    coef: list[np.ndarray] = [-problem.profit_cny()]   # (n, k) each: cost, then limit rows
    upper: list[float] = []
    names: list[str] = []
    if "dso_days" in limits:
        d_all = np.asarray(problem.receivable_days, dtype=float)
        coef.append(c_all * (d_all - limits["dso_days"]) / base)
        upper.append(0.0)
        names.append("dso_days")
    if "bad_debt_rate" in limits:
        b_all = np.asarray(problem.bad_debt_rate, dtype=float)
        coef.append(c_all * (b_all - limits["bad_debt_rate"]) / base)
        upper.append(0.0)
        names.append("bad_debt_rate")
    if "sales_loss_rate" in limits:   # −Σ x s / base ≤ L − 1
        coef.append(-s_all / base)
        upper.append(limits["sales_loss_rate"] - 1.0)
        names.append("sales_loss_rate")
    keep = dominance_replacement(np.stack(coef), problem.allowed_mask())
    cust, opt = np.nonzero(keep == np.arange(k))
    cost = coef[0][cust, opt]
    rows = [c[cust, opt] for c in coef[1:]]
    n_col = cust.size
    m = len(rows)
    # column-wise matrix: each column has its assign row, then one entry per limit row
    per_col = 1 + m
    index = np.empty((n_col, per_col), dtype=np.int32)
    value = np.empty((n_col, per_col))
    index[:, 0] = cust
    value[:, 0] = 1.0
    for r, coef in enumerate(rows):
        index[:, 1 + r] = n + r
        value[:, 1 + r] = coef
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n + m
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), np.asarray(upper, dtype=float)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, n_col * per_col + 1, per_col, dtype=np.int32)
    lp.a_matrix_.index_ = index.ravel()
    lp.a_matrix_.value_ = value.ravel()
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n + m
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_col
    return TermsModel(lp=lp, customer=cust, option=opt, limit_rows=tuple(names),
                      replacement=keep)


def dominance_replacement(coef: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """For ``coef`` (rows, n, k) of costs to minimise (objective and ≤-rows) and ``allowed``
    (n, k): the undominated allowed option that replaces each option (itself if undominated;
    −1 where not allowed). o2 dominates o when coef[:, i, o2] ≤ coef[:, i, o] everywhere and
    is smaller somewhere or o2 < o (a strict order, so every chain ends)."""
    _, n, k = coef.shape
    tol = 1e-12 * (1.0 + np.abs(coef))
    by = np.full((n, k), -1)
    for o in range(k):
        for o2 in range(k):
            if o2 == o:
                continue
            le = np.all(coef[:, :, o2] <= coef[:, :, o] + tol[:, :, o], axis=0)
            lt = np.any(coef[:, :, o2] < coef[:, :, o] - tol[:, :, o], axis=0)
            dom = allowed[:, o] & allowed[:, o2] & le & (lt | (o2 < o)) & (by[:, o] < 0)
            by[dom, o] = o2
    replacement = np.where(allowed, np.arange(k), -1)
    rows = np.arange(n)[:, None]
    for _ in range(k):   # follow each chain to an undominated option
        nxt = np.where(by[rows, np.maximum(replacement, 0)] >= 0,
                       by[rows, np.maximum(replacement, 0)], replacement)
        replacement = np.where(allowed, nxt, -1)
    return replacement


@dataclass(frozen=True)
class _Raw:
    model_status: str
    assignments: np.ndarray | None    # option per customer, or None without a solution
    dual_bound: float | None          # on the profit (max), from HiGHS
    seconds: float


def solve_terms_model(model: TermsModel, n: int, time_limit_s: float,
                      start: np.ndarray | None = None) -> _Raw:
    """Run HiGHS; ``start`` (option per customer) is handed over as an incumbent."""
    t0 = time.perf_counter()
    h = new_mip_highs(time_limit_s)
    h.setOptionValue("mip_rel_gap", OPTIMALITY_GAP / 2)
    h.passModel(model.lp)
    if start is not None:
        sol = highspy.HighsSolution()
        kept = model.replacement[np.arange(n), start]
        sol.col_value = list((kept[model.customer] == model.option).astype(float))
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    assignments = None
    if int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible):
        x = np.asarray(h.getSolution().col_value)
        assignments = np.full(n, -1, dtype=int)
        chosen = x >= 0.5
        assignments[model.customer[chosen]] = model.option[chosen]
        if np.any(assignments < 0):
            assignments = None
    bound = float(info.mip_dual_bound)
    return _Raw(status, assignments, -bound if np.isfinite(bound) else None,
                time.perf_counter() - t0)


def portfolio_measures(problem: TermsProblem, assignments: np.ndarray) -> dict[str, float]:
    """Portfolio figures of an assignment (option index per customer), recomputed from the
    arrays: profit, sales, DSO (sales-weighted days), bad-debt rate, net sales loss against
    today, discount/rebate, financing and bad-debt cost (CNY/year)."""
    n, _ = problem.shape
    i, o = np.arange(n), np.asarray(assignments, dtype=int)
    s = np.asarray(problem.sales_cny, dtype=float)[i, o]
    c = problem.credit_sales_cny()[i, o]
    total, credit = float(s.sum()), float(c.sum())
    today = float(problem.today_sales_cny().sum())
    return {
        "profit_cny": float(problem.profit_cny()[i, o].sum()),
        "sales_cny": total,
        "credit_sales_cny": credit,
        "dso_days": float(c @ np.asarray(problem.receivable_days)[i, o]) / credit
        if credit > 0 else 0.0,
        "bad_debt_rate": float(c @ np.asarray(problem.bad_debt_rate)[i, o]) / credit
        if credit > 0 else 0.0,
        "sales_loss_rate": 1.0 - total / today if today > 0 else 0.0,
        "discount_cost_cny": float(np.asarray(problem.discount_cost_cny)[i, o].sum()),
        "financing_cost_cny": float(problem.financing_cost_cny()[i, o].sum()),
        "bad_debt_cny": float(c @ np.asarray(problem.bad_debt_rate)[i, o]),
        "contribution_cny": float(s @ np.asarray(problem.margin_rate)[i, o]),
    }


def _limits(dso_target_days: float | None, bad_debt_target: float | None,
            sales_loss_limit: float | None) -> dict[str, float]:
    given = {"dso_days": dso_target_days, "bad_debt_rate": bad_debt_target,
             "sales_loss_rate": sales_loss_limit}
    return {key: float(v) for key, v in given.items() if v is not None}


def _solve(problem: TermsProblem, limits: dict[str, float], time_limit_s: float,
           start: np.ndarray | None = None) -> tuple[_Raw, float | None, float | None]:
    """Build and solve; (raw, profit recomputed from the assignment, relative gap)."""
    n, _ = problem.shape
    raw = solve_terms_model(build_terms_model(problem, limits), n, time_limit_s, start)
    if raw.assignments is None:
        return raw, None, None
    profit = portfolio_measures(problem, raw.assignments)["profit_cny"]
    if raw.dual_bound is None:
        return raw, profit, None
    bound = max(raw.dual_bound, profit)
    return raw, profit, (bound - profit) / max(abs(bound), abs(profit), 1.0)


def optimize_terms(
    problem: TermsProblem,
    *,
    dso_target_days: float | None = None,
    bad_debt_target: float | None = None,
    sales_loss_limit: float | None = None,
    time_limit_s: float = 60.0,
    shadow_prices: bool = True,
    start: np.ndarray | None = None,
) -> TermsSolution:
    """The most profitable option per customer under the limits given (None: no limit).

    ``dso_target_days``: portfolio DSO (sales-weighted receivable days) at most this;
    ``bad_debt_target``: portfolio bad-debt rate (bad debt / sales) at most this;
    ``sales_loss_limit``: sales may fall by at most this share of today's sales (net).
    ``start``: an assignment handed to HiGHS as an incumbent (e.g. a tighter limit's optimum).

    Shadow prices (``binding``) are **finite differences of re-solved MILPs**: each given limit
    is relaxed by a step (:data:`PRICE_STEPS`: 1 day of DSO, 0.1 percentage point of a rate),
    the MILP is re-solved with today's optimum as incumbent (so the change is never negative),
    and the profit gained is reported per unit (CNY per day, CNY per percentage point). Why not
    the LP duals with the assignment fixed: with every x fixed the limit rows contain no free
    variable, so their duals are 0 or arbitrary and say nothing; and the MILP's value is a step
    function of the limit, so a derivative does not exist. The finite difference answers the
    manager's question ("what is one more day of DSO worth") exactly for that step. A limit is
    listed only when relaxing it raises the profit by more than the optimality tolerance.
    """
    check_terms_problem(problem)
    check_limits(dso_target_days, bad_debt_target, sales_loss_limit)
    limits = _limits(dso_target_days, bad_debt_target, sales_loss_limit)
    t0 = time.perf_counter()
    n, _ = problem.shape
    raw, profit, gap = _solve(problem, limits, time_limit_s, start)
    names = problem.option_names
    if raw.assignments is None:
        if raw.model_status == "Infeasible":
            name, why = explain_infeasible(problem, limits)
            return TermsSolution("infeasible", None, None, None, np.full(n, -1, dtype=int),
                                 (), {}, {}, name, why, time.perf_counter() - t0, limits)
        return TermsSolution("time_limit", None, raw.dual_bound, None,
                             np.full(n, -1, dtype=int), (), {}, {}, None,
                             N_("no solution ({status})", status=raw.model_status),
                             time.perf_counter() - t0,
                             limits)
    assert profit is not None
    proven = gap is not None and gap <= OPTIMALITY_GAP
    binding: dict[str, float] = {}
    if shadow_prices and proven:
        for key in limits:
            binding_value = _price(problem, limits, key, profit, raw.assignments, time_limit_s)
            if binding_value is not None:
                binding[key] = binding_value
    bound = None if raw.dual_bound is None else max(raw.dual_bound, profit)
    return TermsSolution(
        "optimal" if proven else "time_limit", profit, bound, gap, raw.assignments,
        tuple(names[o] for o in raw.assignments), portfolio_measures(problem, raw.assignments),
        binding, None,
        N_("optimality proven") if proven
        else N_("stopped by {status}; gap {gap}", status=raw.model_status, gap=gap),
        time.perf_counter() - t0, limits)


def _price(problem: TermsProblem, limits: dict[str, float], key: str, profit: float,
           assignments: np.ndarray, time_limit_s: float) -> float | None:
    """CNY per unit of limit ``key`` (see :func:`optimize_terms`), or None if not binding."""
    step = PRICE_STEPS[key]
    looser = dict(limits)
    looser[key] = limits[key] + step if key == "dso_days" else min(limits[key] + step, 1.0)
    if looser[key] == limits[key]:
        return None
    _, relaxed, gap = _solve(problem, looser, time_limit_s, assignments)
    if relaxed is None or gap is None or gap > OPTIMALITY_GAP:
        return None
    gain = relaxed - profit
    if gain <= OPTIMALITY_GAP * max(abs(profit), 1.0):
        return None
    return gain / (looser[key] - limits[key]) * PRICE_UNITS[key]


# ---------------------------------------------------------------- infeasibility


def _min_ratio(values: np.ndarray, sales: np.ndarray, mask: np.ndarray) -> float:
    """min over assignments of Σ s·v / Σ s (Dinkelbach: each step picks, per customer, the
    option with least s·(v − t); it ends when t no longer falls)."""
    n = sales.shape[0]
    t = np.inf
    choice = np.argmax(mask, axis=1)
    for _ in range(100):
        s, v = sales[np.arange(n), choice], values[np.arange(n), choice]
        if s.sum() <= 0:
            return 0.0
        new = float(s @ v / s.sum())
        if new >= t - 1e-12:
            return min(t, new)
        t = new
        choice = np.argmin(np.where(mask, sales * (values - t), np.inf), axis=1)
    return t


def reachable_limits(problem: TermsProblem) -> dict[str, float]:
    """The best value of each limit reachable on its own (with the mask): the lowest DSO
    (days), the lowest bad-debt rate and the smallest net sales loss (may be negative)."""
    mask = problem.allowed_mask()
    s = np.asarray(problem.sales_cny, dtype=float)
    c = problem.credit_sales_cny()
    today = float(problem.today_sales_cny().sum())
    best_sales = float(np.where(mask, s, -np.inf).max(axis=1).sum())
    return {
        "dso_days": _min_ratio(np.asarray(problem.receivable_days, dtype=float), c, mask),
        "bad_debt_rate": _min_ratio(np.asarray(problem.bad_debt_rate, dtype=float), c, mask),
        "sales_loss_rate": 1.0 - best_sales / today if today > 0 else 0.0,
    }


def explain_infeasible(problem: TermsProblem, limits: dict[str, float]) -> tuple[str, Text]:
    """(name of a limit that cannot be met, message). A limit unreachable on its own is named
    with its best reachable value; otherwise the given limits together are named."""
    best = reachable_limits(problem)
    units = {"dso_days": N_("days")}  # the rates have no unit
    for key, limit in limits.items():
        if best[key] > limit + 1e-9:
            params = {"key": key, "limit": f"{limit:g}", "best": f"{best[key]:.6g}"}
            if key in units:
                return key, N_("{key} <= {limit} cannot be met: the lowest reachable with the "
                               "allowed options is {best} {unit}", unit=units[key], **params)
            return key, N_("{key} <= {limit} cannot be met: the lowest reachable with the "
                           "allowed options is {best}", **params)
    names = ", ".join(limits)
    reach = ", ".join(f"{key} {best[key]:.6g}" for key in limits)
    return names, N_("the limits {names} cannot be met together (each alone can: best "
                     "reachable {reach})", names=names, reach=reach)


# ---------------------------------------------------------------- frontier


def efficient_frontier(problem: TermsProblem, dso_limits: Sequence[float],
                       **kw: object) -> list[dict[str, object]]:
    """Most profit for each DSO limit (days), the other limits from ``kw`` as in
    :func:`optimize_terms`. Limits are solved from the tightest up, each with the previous
    optimum as incumbent (it stays feasible when the limit loosens), so profit never falls as
    the limit loosens; the points come back in the order given."""
    kw = dict(kw)
    kw.setdefault("shadow_prices", False)
    out: dict[int, dict[str, object]] = {}
    start = None
    for j in np.argsort(np.asarray(dso_limits, dtype=float), kind="stable"):
        sol = optimize_terms(problem, dso_target_days=float(dso_limits[j]),
                             start=start, **kw)  # type: ignore[arg-type]
        if sol.objective_cny is not None:
            start = sol.assignments
        out[int(j)] = {"dso_limit_days": float(dso_limits[j]), "profit_cny": sol.objective_cny,
                       "status": sol.status}
    return [out[j] for j in range(len(dso_limits))]
