"""Edit a scenario as data: every lever of the schema with its type, bounds, choices and help
(read from ``scenarios.schema``, so a new lever appears without code here), an edited copy of
a scenario file's TOML (tomlkit keeps the base file's comments and order), checked with the
same problems as ``pharmaops validate``, and saved as a new file, whole or not at all."""

from __future__ import annotations

import os
import tempfile
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
import tomlkit
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from data.problems import N_, Problem
from scenarios.loading import validate_scenario_file
from scenarios.schema import Scenario

#: the sections the editor shows, in order (assumption_ranges stays as the base file has it)
SECTIONS = ("targets", "orders", "logistics", "territory", "credit", "channel", "rollout",
            "assumptions")
#: the top-level settings the editor shows
SETTINGS = ("name", "description", "horizon_days", "warmup_days", "replications", "seed")
#: a file name the editor writes: letters, digits, '_' and '-'
SAFE_NAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_SAFE_NAME_TEXT = N_("lower-case letters, digits, '_' or '-'")
_FREE_NAME = N_("a name no scenario in the folder has")


@dataclass(frozen=True)
class Lever:
    """One editable field: ``path`` (dotted, as ``pharmaops validate`` names it), ``kind``
    (number, integer, flag, choice, choices, text, names: a list of names, weights, sites:
    'none', 'optimize' or a list of site ids) and what bounds it."""

    path: str
    kind: str
    help: str
    default: Any
    optional: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    #: for "weights": the keys and each value's bounds
    keys: tuple[str, ...] = ()


def _bounds(metadata: list) -> dict:
    out: dict[str, Any] = {}
    for m in metadata:
        for name, key, is_open in (("ge", "low", False), ("gt", "low", True),
                                   ("le", "high", False), ("lt", "high", True)):
            value = getattr(m, name, None)
            if isinstance(m, annotated_types.BaseMetadata) and value is not None:
                out[key] = float(value)
                out[f"{key}_open"] = is_open
    return out


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _lever(path: str, field: FieldInfo) -> Lever | None:
    annotation, optional = _strip_optional(field.annotation)
    default = field.get_default(call_default_factory=True)
    common = {"path": path, "help": field.description or "", "default": default,
              "optional": optional, **_bounds(field.metadata)}
    if path == "logistics.forward_warehouses":  # 'none', 'optimize' or a list of site ids
        return Lever(kind="sites", choices=("none", "optimize"), **common)
    if get_origin(annotation) is typing.Annotated:
        inner, *meta = get_args(annotation)
        common.update(_bounds(list(meta)))
        annotation = inner
    if annotation is bool:
        return Lever(kind="flag", **common)
    if annotation is int:
        return Lever(kind="integer", **common)
    if annotation is float:
        return Lever(kind="number", **common)
    if annotation is str:
        return Lever(kind="text", **common)
    if get_origin(annotation) is Literal:
        return Lever(kind="choice", choices=tuple(map(str, get_args(annotation))), **common)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        item = get_args(item)[0] if get_origin(item) is typing.Annotated else item
        if get_origin(item) is Literal:
            return Lever(kind="choices", choices=tuple(map(str, get_args(item))), **common)
        if item is str:
            return Lever(kind="names", **common)
    if get_origin(annotation) is dict:
        key, value = get_args(annotation)
        if get_origin(key) is Literal:
            bounds = _bounds(list(get_args(value)[1:])) if get_origin(
                value) is typing.Annotated else {}
            return Lever(kind="weights", keys=tuple(map(str, get_args(key))),
                         **{**common, **bounds})
    return None  # a shape the editor does not offer (e.g. the forward-warehouse union)


def levers(model: type[BaseModel] = Scenario) -> dict[str, list[Lever]]:
    """Section → its editable levers (``""``: the top-level settings), in schema order."""
    out: dict[str, list[Lever]] = {"": []}
    for name in SETTINGS:
        lever = _lever(name, model.model_fields[name])
        if lever is not None:
            out[""].append(lever)
    for section in SECTIONS:
        field = model.model_fields[section]
        sub = field.annotation
        out[section] = [lever for name, f in sub.model_fields.items()
                        if (lever := _lever(f"{section}.{name}", f)) is not None]
    return out


def current_values(text: str) -> dict[str, Any]:
    """Dotted path → value of every lever as the scenario ``text`` sets it or defaults it."""
    scenario = Scenario.model_validate(tomlkit.parse(text).unwrap(), strict=False)
    values: dict[str, Any] = {}
    for section, items in levers().items():
        holder = scenario if not section else getattr(scenario, section)
        for lever in items:
            value = getattr(holder, lever.path.rsplit(".", 1)[-1])
            values[lever.path] = dict(value) if isinstance(value, dict) else (
                list(value) if isinstance(value, tuple | list) else value)
    return values


def edited_text(base_text: str, changes: dict[str, Any]) -> str:
    """``base_text`` with each dotted path set to its value (``None``: the key removed, so the
    default applies); comments and order kept; new sections appended."""
    doc = tomlkit.parse(base_text)
    for path, value in changes.items():
        *parents, key = path.split(".")
        table: Any = doc
        for part in parents:
            if part not in table:
                table[part] = tomlkit.table()
            table = table[part]
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
    return tomlkit.dumps(doc)


def with_log_entry(text: str, *, day: str, author: str, paths: list[str], note: str) -> str:
    """``text`` with one more ``[[log]]`` entry: who changed which levers, when and why."""
    doc = tomlkit.parse(text)
    if "log" not in doc:
        doc["log"] = tomlkit.aot()
    entry = tomlkit.table()
    entry["date"] = tomlkit.date(day)
    entry["author"] = author
    entry["levers"] = paths
    entry["note"] = note
    doc["log"].append(entry)
    return tomlkit.dumps(doc)


def check_text(text: str, folder: Path, *, allow_outside_data: bool = False) -> list[Problem]:
    """Every problem ``pharmaops validate`` would report for ``text`` saved in ``folder``
    (relative data-set paths resolve from there); the file named as the user sees it."""
    handle, name = tempfile.mkstemp(prefix=".edit-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        problems = validate_scenario_file(name, allow_outside_data=allow_outside_data)
    finally:
        Path(name).unlink(missing_ok=True)
    return [Problem("edited scenario", p.location, p.expected, p.found) for p in problems]


def file_name_problem(stem: str, folder: Path) -> Problem | None:
    """Why ``stem`` cannot name a new scenario file in ``folder`` (None when it can)."""
    if not stem or not set(stem) <= SAFE_NAME:
        return Problem("file name", "", _SAFE_NAME_TEXT, repr(stem))
    if (folder / f"{stem}.toml").exists():
        return Problem("file name", "", _FREE_NAME, _exists(stem))
    return None


def _exists(stem: str) -> str:
    return N_("{file} exists", file=stem + ".toml")


def save_new(text: str, folder: Path, stem: str, *,
             allow_outside_data: bool = False) -> tuple[Path | None, list[Problem]]:
    """Write ``text`` as ``folder/stem.toml`` when the name is free and the text valid; the
    file appears whole (written aside, then renamed) or not at all."""
    problem = file_name_problem(stem, folder)
    problems = ([problem] if problem else []) + check_text(
        text, folder, allow_outside_data=allow_outside_data)
    if problems:
        return None, problems
    target = folder / f"{stem}.toml"
    handle, name = tempfile.mkstemp(prefix=".save-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.link(name, target)  # fails if the name was taken meanwhile: never overwrites
    except FileExistsError:
        return None, [Problem("file name", "", _FREE_NAME, _exists(stem))]
    finally:
        Path(name).unlink(missing_ok=True)
    return target, []
