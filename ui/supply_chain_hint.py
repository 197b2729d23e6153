"""What would make an infeasible supply-chain setting feasible, said on the page with buttons
that apply it: the fewest forward warehouses that meet the delivery-days rule and the most
demand within D days that the allowed number of sites reaches
(:func:`scenarios.location.rule_hint`, transit times only)."""

from __future__ import annotations

import math

import streamlit as st

from scenarios.location import RuleHint
from ui.i18n import N_, _

#: the sidebar's widgets a button sets (keys of ui.supply_chain._sidebar)
MAX_SITES_KEY, SHARE_KEY, RULE_KEY = "sc_max_sites", "sc_share", "sc_rule"
#: the share rule's value in the sidebar's delivery-days rules
SHARE_RULE = "a share of demand within D days"
#: the sidebar's share slider moves in steps of 5 %
SHARE_STEP = 0.05

NEEDS_SITES = N_("The rule needs at least **{n}** forward warehouses to put {share} of demand "
                 "within {days} days; at most {max_sites} are allowed.")
NEEDS_SITES_UNPROVEN = N_("The rule needs more forward warehouses than the {max_sites} allowed "
                          "(a plan with {n} was found, fewer not ruled out) to put {share} of "
                          "demand within {days} days.")
BEST_WITH_MAX = N_("With at most {max_sites} forward warehouses the most demand within {days} "
                   "days is {best}.")
UNREACHABLE_SHARE = N_("No number of forward warehouses meets the rule: every candidate "
                       "together puts only {reachable} of demand within {days} days. Lower the "
                       "share to at most {reachable} or allow more days.")
SITES_SUFFICE = N_("{n} forward warehouses would put {share} of demand within {days} days, "
                   "within the {max_sites} allowed, but the sites' capacities cannot carry "
                   "that demand. Allow more forward warehouses or more days, lower the share, "
                   "or choose the candidates \"Prefecture-level cities\" (uncapacitated).")


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def _set(key: str, value: object) -> None:
    st.session_state[key] = value


def grid_share(share: float) -> float:
    """The largest share on the sidebar slider's 5 % grid not above ``share`` (at least 5 %)."""
    return round(max(SHARE_STEP, math.floor(share / SHARE_STEP + 1e-9) * SHARE_STEP), 2)


def show_hint(hint: RuleHint) -> None:
    """The hint of an infeasible setting with a button per way out."""
    days = f"{hint.service_days:g}"
    figures = {"share": _percent(hint.share_needed), "days": days,
               "max_sites": hint.max_sites, "n": hint.min_sites}
    if hint.min_sites is None:
        st.warning(_(UNREACHABLE_SHARE).format(reachable=_percent(hint.reachable_share),
                                               days=days))
        return
    if hint.sites_suffice:
        st.warning(_(SITES_SUFFICE).format(**figures))
        return
    text = NEEDS_SITES if hint.proven else NEEDS_SITES_UNPROVEN
    lines = [_(text).format(**figures)]
    if hint.share_with_max_sites is not None:
        lines.append(_(BEST_WITH_MAX).format(max_sites=hint.max_sites, days=days,
                                             best=_percent(hint.share_with_max_sites)))
    st.warning(" ".join(lines))
    cols = st.columns(2)
    cols[0].button(_("Raise Max forward sites to {n}").format(n=hint.min_sites),
                   key="sc_hint_sites", on_click=_set, args=(MAX_SITES_KEY, hint.min_sites))
    if hint.share_with_max_sites is not None and hint.share_with_max_sites >= SHARE_STEP:
        share = grid_share(hint.share_with_max_sites)
        cols[1].button(
            _("Ask for {share} of demand within {days} days instead").format(
                share=f"{100 * share:.0f}%", days=days),
            key="sc_hint_share", on_click=_apply_share, args=(share,))


def _apply_share(share: float) -> None:
    st.session_state[RULE_KEY] = SHARE_RULE
    st.session_state[SHARE_KEY] = share
