"""The pages' two languages: English (the source text) and Simplified Chinese, from one
gettext catalogue (``locale/zh_CN/LC_MESSAGES/pharmaops.po``, read with Babel), and numbers,
money and dates in each locale's conventions (Babel's CLDR data). docs/i18n.md.

In code, ``_("text")`` translates at display time; ``N_("text")`` marks a module-level
constant for the catalogue without translating it (its users call ``_()`` on it when they
show it). ``pybabel extract -F babel.cfg -o locale/pharmaops.pot .`` collects both; the
test ``tests/test_i18n.py`` refuses a marked text the Chinese catalogue does not translate.
The language is the session's choice (``language_switch``), kept in the page's URL
(``?lang=zh_CN``) so a reload or a shared link keeps it; outside a page (the CLI, tests of
library code) it is English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TypeVar

import streamlit as st
from babel.dates import format_date as _babel_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _babel_decimal
from streamlit.runtime.scriptrunner import get_script_run_ctx

T = TypeVar("T")

#: language code → its own name, as the switch shows it
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT = "en"
DOMAIN = "pharmaops"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
#: the session-state key and the URL parameter that hold the language
KEY = "lang"


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``text`` for the catalogue without translating it."""
    return text


@cache
def catalogue(language: str) -> dict[str, str]:
    """msgid → translation of ``language`` (empty for English, the source language);
    untranslated and fuzzy entries are left out, so they show in English."""
    if language == DEFAULT:
        return {}
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


#: a language set by ``speaking`` (for work done outside the page's script run)
_SPOKEN: ContextVar[str | None] = ContextVar("pharmaops_language", default=None)


@contextmanager
def speaking(language_code: str) -> Iterator[None]:
    """Translate into ``language_code`` inside the block, wherever it runs: a download's
    deferred callable runs outside the page's script run, where the session is unknown."""
    token = _SPOKEN.set(language_code if language_code in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def in_language(language_code: str, make: Callable[[], T]) -> Callable[[], T]:
    """``make`` to be called later (e.g. a download's data) in ``language_code``."""
    def made() -> T:
        with speaking(language_code):
            return make()
    return made


def language() -> str:
    """The session's language (English outside a running page, unless ``speaking``)."""
    spoken = _SPOKEN.get()
    if spoken is not None:
        return spoken
    if get_script_run_ctx(suppress_warning=True) is None:  # library code, the CLI
        return DEFAULT
    chosen = st.session_state.get(KEY)
    return chosen if chosen in LANGUAGES else DEFAULT


def _(text: str) -> str:
    """``text`` in the session's language (itself where the catalogue has none)."""
    return catalogue(language()).get(text, text) if text else text


def language_switch() -> str:
    """The sidebar's language choice, remembered in the URL; returns the language."""
    if KEY not in st.session_state:
        asked = st.query_params.get(KEY)
        st.session_state[KEY] = asked if asked in LANGUAGES else DEFAULT
    chosen = st.sidebar.selectbox("Language · 语言", list(LANGUAGES), key=KEY,
                                  format_func=LANGUAGES.__getitem__)
    # only a language other than the default shows in the URL: English links stay clean
    if chosen == DEFAULT:
        st.query_params.pop(KEY, None)
    else:
        st.query_params[KEY] = chosen
    return chosen


def babel_locale(language_code: str | None = None) -> str:
    return "en_US" if (language_code or language()) == DEFAULT else (language_code
                                                                     or language())


def number(value: float, decimals: int = 0) -> str:
    """``value`` with the locale's grouping and ``decimals`` decimals."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _babel_decimal(value, format=pattern, locale=babel_locale())


def cny(value: float, decimals: int = 0) -> str:
    """An amount in CNY: ``1,234 CNY`` in English, ``1,234 元`` in Chinese."""
    return number(value, decimals) + " " + _("CNY")


def date(day: dt.date | dt.datetime) -> str:
    """A day in the locale's long form: ``Sep 30, 2026`` / ``2026年9月30日``."""
    return _babel_date(day, format="medium" if language() == DEFAULT else "long",
                       locale=babel_locale())


__all__ = ["DEFAULT", "LANGUAGES", "N_", "_", "catalogue", "cny", "date", "in_language",
           "language", "language_switch", "number", "speaking"]
