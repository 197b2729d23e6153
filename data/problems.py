"""One error family for bad input: each problem names where, what was expected, what was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    ``source`` is the file (or table) name, ``location`` the row id and/or the
    dotted field path, ``expected`` what is allowed and ``found`` what was given.
    """

    source: str
    location: str
    expected: str
    found: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        return f"{where}: expected {self.expected}; found {self.found}"


class InputError(ValueError):
    """Raised when an input (data set, scenario, option) is refused; carries every problem."""

    def __init__(self, problems: list[Problem] | Problem, summary: str | None = None) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        head = summary or f"{len(self.problems)} problem(s) in the input"
        self.summary = head
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{head}{first}{more}")


class DatasetError(InputError):
    """A data set was refused whole."""


class ScenarioError(InputError):
    """A scenario file was refused."""
