"""Read a scenario TOML file, validate it and resolve its data set folder.

Every problem is collected (file, TOML syntax, every schema error, data set path) and reported as
a :class:`data.problems.Problem`: ``source`` is the file path as given, ``location`` the dotted
field path (``credit.premium_min_score``, ``orders.auto_approval_tiers.1``) or the TOML line and
column, ``expected`` what is allowed, ``found`` what was given. TOML values are typed, so the
file is validated in pydantic's strict mode: ``tracking = 1`` or ``horizon_days = "365"`` is
refused rather than coerced.
"""

from __future__ import annotations

import datetime
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

import data
from data.problems import N_, Problem, ScenarioError, Text, choices
from scenarios.schema import Scenario

#: longest ``found`` text before it is cut
MAX_FOUND_CHARS = 60
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_POSITION = re.compile(
    r"^(?P<message>.*) \(at (?P<where>line \d+, column \d+|end of document)\)$"
)
_MISSING = object()
VALID_TOML = N_("valid TOML")
_EXISTING_DATASET = N_("an existing data set folder")
_EXISTING_PROCESS = N_("an existing process file")
# Error types that say "this value is not what the field takes": reported with the field's
# whole contract (type and bounds) rather than pydantic's one-sided message.
_FIELD_CONTRACT_ERRORS = frozenset(
    {
        "missing",
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "finite_number",
        "string_type",
        "bool_type",
        "bool_parsing",
        "literal_error",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "string_too_short",
        "string_too_long",
        "list_type",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "too_short",
        "too_long",
        "forward_warehouses",  # the custom error of the forward_warehouses union
        "date_type",
        "date_parsing",
        "date_from_datetime_inexact",
    }
)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario: the file (absolute path), its raw text, the model and the data set."""

    path: Path
    text: str
    scenario: Scenario
    dataset_path: Path
    process_path: Path | None = None


def project_data_folder() -> Path:
    """The project's data folder (the ``data`` package); data sets must lie inside it."""
    return Path(data.__file__).resolve().parent


def load_scenario(
    path: str | os.PathLike[str], *, allow_outside_data: bool = False
) -> LoadedScenario:
    """Read and validate a scenario file; raise :class:`ScenarioError` listing every problem.

    ``allow_outside_data`` lets the ``dataset`` folder lie outside the project's data folder.
    """
    problems, loaded = _check(path, allow_outside_data=allow_outside_data)
    if problems or loaded is None:
        raise ScenarioError(problems, summary=N_("{count} problem(s) in the scenario file",
                                                          count=len(problems)))
    return loaded


def validate_scenario_file(
    path: str | os.PathLike[str], *, allow_outside_data: bool = False
) -> list[Problem]:
    """Every problem in a scenario file; ``[]`` when it is valid. Never raises for bad input."""
    problems, _ = _check(path, allow_outside_data=allow_outside_data)
    return problems


def _check(
    path: str | os.PathLike[str], *, allow_outside_data: bool
) -> tuple[list[Problem], LoadedScenario | None]:
    source = os.fspath(path)
    file = Path(path)
    text = _read_text(file, source)
    if isinstance(text, Problem):
        return [text], None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [_toml_problem(source, exc)], None
    except RecursionError:
        return [Problem(source, "", VALID_TOML, N_("values nested too deeply"))], None

    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw, strict=True)
    except ValidationError as exc:
        problems.extend(_schema_problem(source, raw, error) for error in exc.errors())
    dataset_path: Path | None = None
    dataset = raw.get("dataset")
    if isinstance(dataset, str) and dataset and not any(p.location == "dataset" for p in problems):
        dataset_problems, dataset_path = _check_dataset(
            source, file, dataset, allow_outside_data=allow_outside_data
        )
        problems.extend(dataset_problems)
    process_path: Path | None = None
    process = raw.get("process")
    if isinstance(process, str) and process and not any(p.location == "process"
                                                        for p in problems):
        process_problems, process_path = _check_process(
            source, file, process, allow_outside_data=allow_outside_data
        )
        problems.extend(process_problems)
    if scenario is not None and dataset_path is not None:
        problems.extend(_check_references(source, scenario, dataset_path))
    if problems or scenario is None or dataset_path is None:
        return problems, None
    return problems, LoadedScenario(file.resolve(), text, scenario, dataset_path, process_path)


def _check_references(source: str, scenario: Scenario, dataset_path: Path) -> list[Problem]:
    """Names the scenario takes from the data set (forward-warehouse site ids, roll-out
    regions) must exist there: found at validate time, not when a run reaches them."""
    return _check_sites(source, scenario, dataset_path) + _check_regions(source, scenario,
                                                                          dataset_path)


def _check_regions(source: str, scenario: Scenario, dataset_path: Path) -> list[Problem]:
    """``rollout.regions`` must be regions of the data set's customers table."""
    chosen = scenario.rollout.regions
    known = _column_values(dataset_path, "customers", "region") if chosen else None
    if not chosen or known is None:  # no readable customers table: loading will say why
        return []
    return [Problem(source, f"rollout.regions.{i}",
                    N_("a region of the data set's customers ({regions})",
                       regions=", ".join(sorted(known))),
                    repr(region))
            for i, region in enumerate(chosen) if region not in known]


def _check_sites(source: str, scenario: Scenario, dataset_path: Path) -> list[Problem]:
    chosen = scenario.logistics.forward_warehouses
    if not isinstance(chosen, list):
        return []
    known = _column_values(dataset_path, "sites", "site_id")
    if known is None:  # no readable sites table: loading the data set will say why
        return []
    unknown = [s for s in chosen if s not in known]
    if not unknown:
        return []
    shown = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
    return [Problem(source, "logistics.forward_warehouses",
                    N_("site ids of the data set's sites table ({sites})", sites=shown),
                    ", ".join(repr(s) for s in unknown))]


def _column_values(folder: Path, table_name: str, column: str) -> set[str] | None:
    """One column of a data set's table, read alone (cheap); None when unreadable."""
    import pandas as pd

    for suffix in (".csv", ".csv.gz", ".xlsx"):
        table = folder / f"{table_name}{suffix}"
        if table.is_file():
            try:
                if suffix == ".xlsx":
                    frame = pd.read_excel(table, dtype=str)
                else:
                    frame = pd.read_csv(table, dtype=str, usecols=[column])
                return set(frame[column].dropna().astype(str))
            except (OSError, ValueError, KeyError):
                return None
    return None


def _read_text(file: Path, source: str) -> str | Problem:
    """The file's text, or the one problem that stops it being read."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return Problem(source, "", N_("an existing scenario file"), N_("no such file"))
    except IsADirectoryError:
        return Problem(source, "", N_("a scenario file"), N_("a folder"))
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Problem(source, "", N_("a readable scenario file"),
                       N_("unreadable: {reason}", reason=reason))
    try:
        # utf-8-sig: a byte-order mark written by some editors is not an error
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        found = N_("byte {byte}", byte=format(raw[exc.start], "#04x"))
        return Problem(source, _line_column(line, column), N_("UTF-8 text"), found)


def _line_column(line: object, column: object) -> Text:
    return N_("line {line}, column {column}", line=line, column=column)


def _toml_problem(source: str, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = _TOML_POSITION.match(message)
    if match is None:
        return Problem(source, "", VALID_TOML, message)
    position = re.fullmatch(r"line (\d+), column (\d+)", match["where"])
    where = _line_column(*position.groups()) if position else N_("end of file")
    return Problem(source, where, VALID_TOML, match["message"])


def _check_dataset(
    source: str, file: Path, dataset: str, *, allow_outside_data: bool
) -> tuple[list[Problem], Path | None]:
    """Resolve ``dataset`` against the scenario's folder; it must exist (and lie in data/)."""
    try:
        resolved = (file.parent / dataset).resolve()
        is_dir = resolved.is_dir()
    except (OSError, ValueError, RuntimeError):
        # NUL bytes, names too long, symlink loops: not a usable folder
        return [Problem(source, "dataset", _EXISTING_DATASET, _short(dataset))], None
    problems: list[Problem] = []
    if not allow_outside_data:
        root = project_data_folder()
        if resolved == root or not resolved.is_relative_to(root):
            expected = N_("a folder inside {root} (pass it on the command line to use another "
                          "one)", root=root)
            problems.append(Problem(source, "dataset", expected, str(resolved)))
    if not is_dir:
        problems.append(Problem(source, "dataset", _EXISTING_DATASET, str(resolved)))
    return problems, (None if problems else resolved)


def _check_process(
    source: str, file: Path, process: str, *, allow_outside_data: bool
) -> tuple[list[Problem], Path | None]:
    """Resolve ``process`` like the data set; it must be a valid process description."""
    from simulation.params import ProcessParams

    try:
        resolved = (file.parent / process).resolve()
        is_file = resolved.is_file()
    except (OSError, ValueError, RuntimeError):
        return [Problem(source, "process", _EXISTING_PROCESS, _short(process))], None
    if not allow_outside_data:
        root = project_data_folder()
        if not resolved.is_relative_to(root):
            expected = N_("a file inside {root} (pass it on the command line to use another "
                          "one)", root=root)
            return [Problem(source, "process", expected, str(resolved))], None
    if not is_file:
        return [Problem(source, "process", _EXISTING_PROCESS, str(resolved))], None
    try:
        ProcessParams.model_validate_json(resolved.read_bytes())
    except ValidationError as exc:
        return [Problem(str(resolved), ".".join(str(p) for p in e["loc"]) or "(file)",
                        e["msg"], _short(e.get("input"))) for e in exc.errors()], None
    except OSError as exc:
        return [Problem(source, "process", N_("a readable process file"), str(exc))], None
    return [], resolved


def _schema_problem(source: str, raw: dict[str, Any], error: Any) -> Problem:
    """One pydantic error as a Problem with a dotted path and a human phrase."""
    kind: str = error["type"]
    where = _walk(error["loc"])
    location = ".".join(_key_text(part) for part in where.path)
    if kind == "extra_forbidden" and where.model is not None:
        allowed = ", ".join(where.model.model_fields)
        return Problem(
            source, location, N_("no such field; allowed: {fields}", fields=allowed),
            _short(error["input"])
        )
    if kind == "missing":
        contract = _contract(where.field) if where.field is not None else None
        return Problem(source, location, N_("{what} (required)", what=contract or N_("a value")),
                       N_("nothing"))
    expected = None
    if kind in _FIELD_CONTRACT_ERRORS and where.field is not None and not where.in_item:
        expected = _contract(where.field)
    found: str = _short(error["input"])
    if _lookup(raw, where.path) is _MISSING:
        found = N_("{value} (the default)", value=found)
    return Problem(source, location, expected or _error_phrase(error), found)


@dataclass(frozen=True)
class _Where:
    """Where an error sits: the user-facing path, its field, the model holding the last key."""

    path: tuple[str | int, ...]
    field: FieldInfo | None
    model: type[BaseModel] | None
    in_item: bool


def _walk(loc: tuple[str | int, ...]) -> _Where:
    """Follow a pydantic error location through the schema, dropping union member tags."""
    model: type[BaseModel] | None = Scenario
    holder: type[BaseModel] | None = None
    field: FieldInfo | None = None
    path: list[str | int] = []
    in_item = False
    items: type[BaseModel] | None = None  # the model of a list's items ([[log]] tables)
    for part in loc:
        if model is not None:
            path.append(part)
            holder = model
            field = model.model_fields.get(part) if isinstance(part, str) else None
            annotation = field.annotation if field is not None else None
            is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
            model = annotation if is_model else None
            items = _item_model(annotation)
            if field is None:
                break  # an unknown key: nothing below it is in the schema
        elif isinstance(part, int) and items is not None:
            path.append(part)  # a table of an array of tables: its keys are the schema's
            model, items = items, None
        elif isinstance(part, int):
            path.append(part)
            in_item = True
        # a str below a leaf field is a union member tag, not a key the user wrote
    return _Where(tuple(path), field, holder, in_item)


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """``M`` of ``list[M]`` when ``M`` is a model, else None."""
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _lookup(raw: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in the parsed TOML, or ``_MISSING``."""
    node = raw
    for part in path:
        in_table = isinstance(node, dict) and isinstance(part, str) and part in node
        in_array = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_table or in_array):
            return _MISSING
        node = node[part]
    return node


def _contract(field: FieldInfo) -> Text | None:
    """What a field takes, bounds included: ``a number > 0 and <= 30``; None if unknown."""
    bounds = {type(m).__name__: m for m in field.metadata}
    return _type_phrase(field.annotation, bounds)


def _type_phrase(annotation: Any, bounds: dict[str, Any]) -> Text | None:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extras = get_args(annotation)
        merged = dict(bounds)
        for extra in extras:
            for item in extra.metadata if isinstance(extra, FieldInfo) else [extra]:
                merged[type(item).__name__] = item
        return _type_phrase(inner, merged)
    if origin in (typing.Union, types.UnionType):
        options: list[str] = []
        for member in get_args(annotation):
            if get_origin(_unwrap(member)) is Literal:
                options.extend(repr(v) for v in get_args(_unwrap(member)))
            elif member is not type(None):
                phrase = _type_phrase(member, bounds)
                if phrase is None:
                    return None
                options.append(phrase)
        return choices(options)
    if origin is Literal:
        return choices([repr(v) for v in get_args(annotation)])
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        non_empty = bool(getattr(bounds.get("MinLen"), "min_length", 0))
        if get_origin(_unwrap(item)) is Literal:
            drawn = ", ".join(repr(v) for v in get_args(_unwrap(item)))
            return (N_("a non-empty list drawn from {choices}", choices=drawn) if non_empty
                    else N_("a list drawn from {choices}", choices=drawn))
        item_phrase = _type_phrase(item, {})
        if not item_phrase:
            return N_("a non-empty list") if non_empty else N_("a list")
        items = _plural(item_phrase)
        return (N_("a non-empty list of {items}", items=items) if non_empty
                else N_("a list of {items}", items=items))
    if annotation is bool:
        return N_("true or false")
    if annotation is datetime.date:
        return N_("a TOML date such as 2026-11-05 (not quoted)")
    if annotation is int:
        bounded = _range_phrase(bounds)
        return N_("an integer {range}", range=bounded) if bounded else N_("an integer")
    if annotation is float:
        bounded = _range_phrase(bounds)
        return N_("a number {range}", range=bounded) if bounded else N_("a number")
    if annotation is str:
        return _string_phrase(bounds)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return N_("a table of {fields}", fields=", ".join(annotation.model_fields))
    return None


def _unwrap(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` (nested too)."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _plural(phrase: Text) -> Text:
    if phrase == "a string":
        return N_("strings")
    if phrase == "a non-empty string":
        return N_("non-empty strings")
    return phrase


def _range_phrase(bounds: dict[str, Any]) -> Text | None:
    """``in 0..100``, ``> 0 and <= 30``; None without bounds."""
    low = bounds.get("Ge") or bounds.get("Gt")
    high = bounds.get("Le") or bounds.get("Lt")
    if isinstance(low, annotated_types.Ge) and isinstance(high, annotated_types.Le):
        return N_("in {low}..{high}", low=_number(low.ge), high=_number(high.le))
    parts = []
    if isinstance(low, annotated_types.Gt):
        parts.append(N_("> {low}", low=_number(low.gt)))
    elif isinstance(low, annotated_types.Ge):
        parts.append(N_(">= {low}", low=_number(low.ge)))
    if isinstance(high, annotated_types.Lt):
        parts.append(N_("< {high}", high=_number(high.lt)))
    elif isinstance(high, annotated_types.Le):
        parts.append(N_("<= {high}", high=_number(high.le)))
    if len(parts) == 2:
        return N_("{low} and {high}", low=parts[0], high=parts[1])
    return parts[0] if parts else None


def _string_phrase(bounds: dict[str, Any]) -> Text:
    low = getattr(bounds.get("MinLen"), "min_length", 0)
    high = getattr(bounds.get("MaxLen"), "max_length", None)
    if high is not None:
        return (
            N_("a string of {low}..{high} characters", low=low, high=high)
            if low
            else N_("a string of at most {high} characters", high=high)
        )
    return N_("a non-empty string") if low else N_("a string")


#: pydantic error type → the phrase for it, formatted with the error's ``ctx``
_ERROR_PHRASES = {
    "int_type": N_("a valid integer"),
    "int_parsing": N_("a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("a valid integer, got a number with a fractional part"),
    "float_type": N_("a valid number"),
    "float_parsing": N_("a valid number, unable to parse string as a number"),
    "finite_number": N_("a finite number"),
    "bool_type": N_("a valid boolean"),
    "bool_parsing": N_("a valid boolean, unable to interpret input"),
    "greater_than": N_("greater than {gt}"),
    "greater_than_equal": N_("greater than or equal to {ge}"),
    "less_than": N_("less than {lt}"),
    "less_than_equal": N_("less than or equal to {le}"),
    "string_too_short": N_("string should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "too_long": N_("List should have at most {max_length} items after validation, not "
                   "{actual_length}"),
}


def _error_phrase(error: Any) -> str:
    """A phrase for an error that is not about the field's whole contract (list items, rules):
    ours for the common types, pydantic's English for the rest."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "literal_error":
        expected = str(ctx.get("expected", "one of the allowed values"))
        *head, last = expected.rsplit(" or ", 1)
        return choices([*head[0].split(", "), last]) if head else expected
    if kind == "string_type":
        return N_("a string")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return N_("a non-empty string")
    if kind == "too_short":
        return N_("a list of at least {min_length} item(s)", min_length=ctx.get("min_length"))
    message: str = error["msg"]
    if kind == "string_too_short":
        message = message.lower()
    for prefix in ("Input should be ", "Value error, "):
        message = message.removeprefix(prefix)
    template = _ERROR_PHRASES.get(kind)
    if template is not None:
        try:
            phrase = Text(template.template, **ctx)
        except (KeyError, IndexError, ValueError):
            return message
        # only where it says what pydantic says (a number's form may differ: 1e-05, 0.00001)
        return phrase if phrase == message else message
    return message


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _key_text(part: str | int) -> str:
    """A path part as it would be written in TOML: bare if it can be, quoted otherwise."""
    if isinstance(part, int) or _BARE_KEY.fullmatch(part):
        return str(part)
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\" + c if c in '"\\' else c
        for c in part
    )
    return f'"{escaped}"'


def _short(value: Any) -> str:
    """``repr(value)``, cut to :data:`MAX_FOUND_CHARS` characters."""
    text = repr(value)
    if len(text) > MAX_FOUND_CHARS:
        text = text[: MAX_FOUND_CHARS - 3] + "..."
    return text
