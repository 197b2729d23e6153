"""Finance's collection views of a scenario (docs/credit.md, "Collections"):

- the reminder schedules side by side (today's manual one as measured, the scenario's
  automated one) with their effect sizes and what each does to DSO and bad debt on today's
  terms, measured with the simulation's collection mechanism;
- the collection worklist: today's open receivables (the data set's ``as_of``) that are
  overdue or due within ``lead_days``, one row per account ranked by the CNY one contact today
  is expected to bring in within the horizon (:func:`models.credit.collections.contact_value`),
  with the contact to make and why.

The CLI (``pharmaops credit worklist``) and the finance page are doors onto these functions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.kpis import Ledger, outstanding
from models.credit.collections import contact_value
from models.credit.reminders import ReminderSchedule
from scenarios.credit_policy import annual_sales_cny, option_outcomes
from scenarios.credit_report import CreditContext
from scenarios.jsonio import json_ready
from simulation.collection import default_probabilities, lateness_means, reminder_schedule

#: expected CNY counted if paid within this many days of today
HORIZON_DAYS = 30
#: invoices due within this many days are worth a reminder before due
LEAD_DAYS = 3
#: P(default | still open) from which a call is not enough: the account is escalated
ESCALATE_FROM = 0.5
#: contact kinds, in the order of their urgency
CONTACTS = ("escalate", "collection call", "reminder by the due date")
#: what each contact is, for people
CONTACT_TEXT = {
    "escalate": "collection call and credit-hold review: the account likely defaults",
    "collection call": "collection call by finance (the measured effect of a sent reminder)",
    "reminder by the due date": "reminder before the due date (a nudge before the payment run)",
}


def today_schedule(ctx: CreditContext) -> ReminderSchedule:
    """The manual reminders the open invoices have lived under, as measured."""
    return reminder_schedule(ctx.params, replace(ctx.credit, automated_reminders=False),
                             ctx.effects)


def scenario_schedule(ctx: CreditContext) -> ReminderSchedule:
    """The scenario's reminders (manual as today, or its automated schedule)."""
    return reminder_schedule(ctx.params, ctx.credit, ctx.effects)


# ------------------------------------------------------------------ reminder schedules
def schedule_table(schedule: ReminderSchedule, upto_days: float = 60.0) -> pd.DataFrame:
    """The schedule's reminders up to ``upto_days`` after due: day from due, probability
    sent, share of the remaining delay kept once sent."""
    table = pd.DataFrame(schedule.table())
    return table[table["day_from_due"] <= upto_days].reset_index(drop=True)


def reminder_comparison(ctx: CreditContext) -> pd.DataFrame:
    """DSO (days, on the scenario's review day) and bad debt (share of credit sales) with
    every account on today's monthly terms, under the manual reminders of today and the
    automated schedule of the scenario (``credit.reminder_schedule_days``), from the
    simulation's collection mechanism (:func:`scenarios.credit_policy.option_outcomes`)."""
    sc = ctx.scenario
    weight = annual_sales_cny(ctx.inputs)
    rows = []
    for name, automated in (("manual", False), ("automated", True)):
        credit = replace(ctx.credit, automated_reminders=automated)
        out = option_outcomes(ctx.inputs, ctx.params, credit, ctx.effects,
                              sc.horizon_days - 1, sc.horizon_days - sc.warmup_days,
                              options=("monthly",))
        schedule = reminder_schedule(ctx.params, credit, ctx.effects)
        rows.append({"reminders": name,
                     "days_from_due": ", ".join(f"{d:+g}" for d in schedule.days[:6]) + ", …",
                     "sent_probability": schedule.sent_probability,
                     "dso_days": float(weight @ out["receivable_days"][:, 0] / weight.sum()),
                     "bad_debt_rate": float(weight @ out["bad_debt_rate"][:, 0]
                                            / weight.sum())})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ worklist
def open_receivables(dataset: Dataset) -> pd.DataFrame:
    """Invoices still open at the end of the data set's ``as_of``: open CNY, due date, days
    since due (negative: not yet due) and reminders sent so far."""
    inv = dataset["invoices"]
    ledger = Ledger.from_tables(inv, dataset["payments"])
    open_cny = outstanding(ledger, dataset.as_of)
    out = inv.loc[open_cny > 0.005, ["invoice_id", "customer_id", "amount_cny", "due_date",
                                     "reminders"]].copy()
    out.insert(3, "open_cny", open_cny[open_cny > 0.005])
    out["days_since_due"] = (dataset.as_of - out["due_date"]).dt.days
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Worklist:
    """The ranked accounts (one contact each) and the invoices behind them."""

    as_of: pd.Timestamp
    horizon_days: int
    lead_days: int
    accounts: pd.DataFrame
    invoices: pd.DataFrame
    #: open receivables left off the list: not due within the lead days (count, CNY)
    not_yet_due: tuple[int, float]


def _invoice_values(ctx: CreditContext, inv: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """Each listed invoice's P(default | open) and expected CNY in the horizon."""
    pp, customers = ctx.params.payment, ctx.dataset["customers"].set_index("customer_id")
    cid = inv["customer_id"].to_numpy(dtype=object)
    ctype = inv["customer_id"].map(customers["customer_type"]).to_numpy(dtype=object)
    mean = lateness_means(ctx.params, ctype, cid)
    prior = default_probabilities(ctx.params, ctype, cid)
    a = inv["days_since_due"].to_numpy(dtype=float)
    keep = np.where(a <= 0, ctx.effects.pre_due_reminder_effect, pp.reminder_effect)
    value = contact_value(a, inv["open_cny"].to_numpy(), mean, pp.lateness_shape,
                          pp.early_payment_days, prior, today_schedule(ctx),
                          scenario_schedule(ctx), keep, horizon_days,
                          np.random.default_rng(ctx.scenario.seed))
    return inv.assign(lateness_mean_days=mean, default_probability=prior,
                      default_probability_open=value.default_probability_open,
                      collected_without_cny=value.collected_without_cny,
                      recovered_cny=value.recovered_cny, days_sooner=value.days_sooner)


#: the reasons an account is listed where it is, each a code → its sentence in English with
#: named values (CNY, days, a probability 0..1); a page may say them in another language
WHY_TEXT = {
    "open": "{open_cny} CNY open in {invoices} invoice(s)",
    "overdue": "{overdue_cny} CNY overdue, the oldest {days} days",
    "due_today": "due today",
    "due_in": "due in {days} days",
    "lateness": "pays {days} days late on average",
    "default": "P(default | still open) {probability}",
    "risk_tier": "risk tier",
    "contact": "a contact brings {recovered_cny} CNY into the next {horizon_days} days",
}


def why_parts(row: object, horizon_days: int) -> list[tuple[str, dict[str, float]]]:
    """The reasons behind an account's place and contact (a worklist row): (code of
    :data:`WHY_TEXT`, its values), in the order they are said."""
    parts: list[tuple[str, dict[str, float]]] = [
        ("open", {"open_cny": row.open_cny, "invoices": row.invoices})]
    if row.overdue_cny > 0:
        parts.append(("overdue", {"overdue_cny": row.overdue_cny, "days": row.days_overdue}))
    elif row.days_overdue == 0:
        parts.append(("due_today", {}))
    else:
        parts.append(("due_in", {"days": -row.days_overdue}))
    parts.append(("lateness", {"days": row.lateness_mean_days}))
    if row.default_probability_open >= 0.05:
        parts.append(("default", {"probability": row.default_probability_open}))
    if row.tier == "risk":
        parts.append(("risk_tier", {}))
    parts.append(("contact", {"recovered_cny": row.recovered_cny,
                              "horizon_days": horizon_days}))
    return parts


def _shown(name: str, value: float) -> str:
    """A reason's value as the sentence shows it: CNY grouped, a probability in %, else
    whole."""
    if name == "probability":
        return f"{value:.0%}"
    return f"{value:,.0f}" if name.endswith("_cny") else f"{value:.0f}"


def _why(row: object, horizon_days: int) -> str:
    """The reasons behind an account's place and contact, for people."""
    return "; ".join(WHY_TEXT[code].format(**{k: _shown(k, v) for k, v in values.items()})
                     for code, values in why_parts(row, horizon_days))


def collection_worklist(ctx: CreditContext, *, horizon_days: int = HORIZON_DAYS,
                        lead_days: int = LEAD_DAYS) -> Worklist:
    """Today's open receivables that are overdue or due within ``lead_days``, one row per
    account, ranked by the expected CNY one contact today brings in within ``horizon_days``
    (all the account's listed invoices at once)."""
    ds = ctx.dataset
    receivable = open_receivables(ds)
    listed = receivable["days_since_due"] >= -lead_days
    left = receivable[~listed]
    inv = _invoice_values(ctx, receivable[listed].reset_index(drop=True), horizon_days)
    inv["overdue_cny"] = np.where(inv["days_since_due"] > 0, inv["open_cny"], 0.0)
    inv["at_risk_cny"] = inv["open_cny"] * inv["default_probability_open"]
    g = inv.groupby("customer_id")
    acc = pd.DataFrame({
        "invoices": g.size(), "open_cny": g["open_cny"].sum(),
        "overdue_cny": g["overdue_cny"].sum(), "days_overdue": g["days_since_due"].max(),
        "lateness_mean_days": g["lateness_mean_days"].mean(),
        "at_risk_cny": g["at_risk_cny"].sum(),
        "collected_without_cny": g["collected_without_cny"].sum(),
        "recovered_cny": g["recovered_cny"].sum(), "days_sooner": g["days_sooner"].mean()})
    acc["default_probability_open"] = acc["at_risk_cny"] / acc["open_cny"]
    customers = ds["customers"].set_index("customer_id")
    reps = ds["reps"].set_index("rep_id")["name"]
    acc = acc.join(customers[["name", "customer_type", "city", "rep_id"]])
    acc["rep"] = acc["rep_id"].map(reps)
    acc["tier"] = pd.Series(ctx.tier, index=ctx.inputs.customer_id).reindex(acc.index)
    acc["contact"] = np.select(
        [acc["default_probability_open"] >= ESCALATE_FROM, acc["overdue_cny"] > 0],
        ["escalate", "collection call"], "reminder by the due date")
    acc = acc.sort_values(["recovered_cny", "open_cny"], ascending=False)
    acc.insert(0, "rank", np.arange(1, len(acc) + 1))
    acc["why"] = [_why(row, horizon_days) for row in acc.itertuples()]
    cols = ["rank", "customer_id", "name", "customer_type", "city", "tier", "rep", "contact",
            "recovered_cny", "open_cny", "overdue_cny", "days_overdue", "invoices",
            "default_probability_open", "at_risk_cny", "collected_without_cny", "days_sooner",
            "lateness_mean_days", "why"]
    acc.index.name = "customer_id"
    return Worklist(ds.as_of, horizon_days, lead_days, acc.reset_index()[cols],
                    inv.sort_values(["customer_id", "due_date"]).reset_index(drop=True),
                    (len(left), float(left["open_cny"].sum())))


def worklist_payload(ctx: CreditContext, wl: Worklist) -> dict:
    """``pharmaops credit worklist --json``."""
    return json_ready({
        "dataset": str(ctx.dataset.path), "as_of": f"{wl.as_of:%Y-%m-%d}",
        "horizon_days": wl.horizon_days, "lead_days": wl.lead_days,
        "reminders": {"today": today_schedule(ctx).table(),
                      "scenario": scenario_schedule(ctx).table()},
        "listed_cny": float(wl.accounts["open_cny"].sum()),
        "expected_recovered_cny": float(wl.accounts["recovered_cny"].sum()),
        "not_yet_due": {"invoices": wl.not_yet_due[0], "open_cny": wl.not_yet_due[1]},
        "accounts": wl.accounts.to_dict(orient="records"),
    })


def worklist_workbook(wl: Worklist) -> bytes:
    """The worklist as Excel: the ranked accounts, and the invoices behind them."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        wl.accounts.to_excel(xl, sheet_name="worklist", index=False)
        wl.invoices.to_excel(xl, sheet_name="invoices", index=False)
        pd.DataFrame({"field": ["as_of", "horizon_days", "lead_days"],
                      "value": [f"{wl.as_of:%Y-%m-%d}", wl.horizon_days, wl.lead_days]}
                     ).to_excel(xl, sheet_name="about", index=False)
    return buffer.getvalue()
