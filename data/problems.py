"""One error family for bad input: each problem names where, what was expected, what was found.

A problem's words can be said in the pages' other language while the CLI, the JSON output and
``str(problem)`` stay in English. The phrases are made with :func:`N_`, which marks a template
for the catalogue (``babel.cfg`` extracts ``N_`` from ``data/`` and ``scenarios/`` too) and
returns a :class:`Text`: the English text with the parameters filled in, which is an ordinary
``str`` to every caller (compared, sliced, written to JSON as such) and which remembers its
template and parameters. ``text.translated(gettext)`` formats the translated template with the
same parameters (a parameter that is a :class:`Text` is translated too, so phrases compose);
values (ids, column names, what was found) are parameters and stay as they are.
:meth:`Problem.text` says the whole problem that way; the pages call it with ``ui.i18n._``.
This module never imports the pages: the caller passes its ``gettext``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Gettext = Callable[[str], str]


class Text(str):
    """English text made from ``template`` and ``params``; :meth:`translated` says it in the
    language of a ``gettext``. Without params the text is the template itself (a table of
    templates formatted later); with params, literal braces are doubled as in ``str.format``."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        made = super().__new__(cls, template.format(**params) if params else template)
        made.template = template
        made.params = params
        return made

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # pickle, deepcopy
        return (self.template,), self.params

    def translated(self, gettext: Gettext) -> str:
        """The template as ``gettext`` translates it, formatted with the (translated) params."""
        if not self.params:
            return gettext(self.template)
        params = {k: said(v, gettext) for k, v in self.params.items()}
        try:
            return gettext(self.template).format(**params)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return self.template.format(**params)

    @classmethod
    def join(cls, separator: str, items: Iterable[str]) -> Text:
        """``separator.join(items)`` keeping the translation of each item (and of the
        separator when it is a :class:`Text`)."""
        parts = list(items)
        template = "{sep}".join(f"{{i{n}}}" for n in range(len(parts)))
        return cls(template, sep=separator, **{f"i{n}": part for n, part in enumerate(parts)})


def choices(options: Iterable[str]) -> Text:
    """``'a', 'b' or 'c'`` (each option keeps its translation)."""
    items = list(options)
    if len(items) <= 1:
        return Text.join("", items)
    return N_("{items} or {last}", items=Text.join(", ", items[:-1]), last=items[-1])


def N_(template: str, /, **params: Any) -> Text:  # noqa: N802 - gettext's "mark, translate later"
    """Mark ``template`` for the catalogue; the English text, as a :class:`Text`."""
    return Text(template, **params)


def said(value: Any, gettext: Gettext) -> Any:
    """``value`` in ``gettext``'s language when it is a :class:`Text`, else itself."""
    return value.translated(gettext) if isinstance(value, Text) else value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    ``source`` is the file (or table) name, ``location`` the row id and/or the
    dotted field path, ``expected`` what is allowed and ``found`` what was given; any of them
    may be a :class:`Text`, whose words :meth:`text` translates.
    """

    source: str
    location: str
    expected: str
    found: str

    def __str__(self) -> str:
        return self.text()

    def text(self, gettext: Gettext | None = None) -> str:
        """The problem in one line; in ``gettext``'s language when given (English else)."""
        if gettext is None:
            gettext = _english
        if self.location:
            return said(N_("{source}: {location}: expected {expected}; found {found}",
                           source=self.source, location=self.location,
                           expected=self.expected, found=self.found), gettext)
        return said(N_("{source}: expected {expected}; found {found}", source=self.source,
                       expected=self.expected, found=self.found), gettext)


def _english(text: str) -> str:
    return text


class InputError(ValueError):
    """Raised when an input (data set, scenario, option) is refused; carries every problem."""

    def __init__(self, problems: list[Problem] | Problem, summary: str | None = None) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        head = summary or N_("{count} problem(s) in the input", count=len(self.problems))
        self.summary = head
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{head}{first}{more}")


class DatasetError(InputError):
    """A data set was refused whole."""


class ScenarioError(InputError):
    """A scenario file was refused."""
