"""Your own data: uploaded CSV / Excel files are checked as one data set, every problem is
listed with table, row (as in the user's file) and column, and nothing is stored unless the
whole data set is valid; a valid upload stores exactly the tables given; the template
workbook has every table's exact columns and validates as it is; the CLI and the page do
the same (docs/data.md, "Your own data")."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.dataset import load_dataset
from data.problems import DatasetError
from data.tables import TABLE_ORDER, TABLES
from data.upload import (
    PROBLEM_COLUMNS,
    STAGING_PREFIX,
    check_upload,
    store_upload,
    stored_uploads,
    template_workbook,
)
from data.upload_template import EXAMPLES, README_SHEET
from scenarios.cli import main
from tests.display_rules import page_texts
from ui import i18n
from ui.common import SESSION_DATASET_KEY

ROOT = Path(__file__).resolve().parents[1]
PAGE = "from ui.upload import render\nrender()\n"
TIMEOUT_S = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the problems planted in the broken workbook: (table, row as in the sheet, column)
PLANTED = {
    ("broken.xlsx, sheet extras", None, ""),  # a sheet no table is named after
    ("products", 1, "unit_price_cny"),  # a column deleted from the header (row 1)
    ("orders", 3, "backordered"),  # not a boolean
    ("doctors", 3, "terminal_id"),  # a terminal that does not exist
    ("visits", 2, "account_id"),  # an account that does not exist
}


# --------------------------------------------------------------------------- helpers
def _broken_workbook() -> bytes:
    """The template with one problem of each kind planted at known cells."""
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    book["orders"]["L3"] = "maybe"  # column L = backordered, row 3 = the second order
    assert book["orders"]["L1"].value == "backordered"
    assert book["products"]["D1"].value == "unit_price_cny"
    book["products"].delete_cols(4)
    assert book["doctors"]["B1"].value == "terminal_id"
    book["doctors"]["B3"] = "T404"
    assert book["visits"]["C1"].value == "account_id"
    book["visits"]["C2"] = "T999"
    book.create_sheet("extras").append(["a", "b"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _found(problems: pd.DataFrame) -> set[tuple[str, int | None, str]]:
    return {(t, None if pd.isna(r) or r == "" else int(r), c)
            for t, r, c in problems[["table", "row", "column"]].itertuples(index=False)}


def _left_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def _typed_workbook(folder: Path) -> bytes:
    """A data set's typed tables, one sheet each, as Excel holds them: dates and months as
    date cells, booleans as boolean cells, numbers as numbers, empty values as empty cells."""
    ds = load_dataset(folder)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name in TABLE_ORDER:
            if name in ds.tables:
                ds[name].to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def _assert_same_tables(stored: Path, original: Path) -> None:
    a, b = load_dataset(stored), load_dataset(original)
    assert set(a.tables) == set(b.tables)
    for name in b.tables:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    assert a.as_of == b.as_of


# --------------------------------------------------------------------------- template
def test_template_has_a_readme_and_every_table_with_exactly_its_columns() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()), read_only=True)
    assert book.sheetnames == [README_SHEET, *TABLE_ORDER]
    for name in TABLE_ORDER:
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == TABLES[name].column_names, name
        assert len(rows) - 1 == len(EXAMPLES[name]) >= 1, name
    readme = list(book[README_SHEET].iter_rows(values_only=True))
    described = {(r[0], r[1]) for r in readme[1:] if r[1]}
    assert described == {(t.name, c.name) for t in TABLES.values() for c in t.columns}
    units = {(r[0], r[1]): r[3] for r in readme[1:] if r[1]}
    assert units["invoices", "amount_cny"] == "CNY"
    assert units["reps", "calls_per_day"] == "calls/day"


def test_the_template_uploaded_back_as_it_is_is_valid() -> None:
    result = check_upload([("template.xlsx", template_workbook())])
    assert result.valid, result.problems.to_string()
    ds = result.dataset
    assert ds.counts() == {name: len(rows) for name, rows in EXAMPLES.items()}
    # no dataset.json: the history ends with the latest event, the payment of 2026-09-15
    assert ds.as_of == pd.Timestamp("2026-09-15")
    assert ds["orders"]["placed_at"].iat[1] == pd.Timestamp("2026-08-10 10:00")
    assert ds["flows"]["month"].iat[0] == pd.Timestamp("2026-08-01")
    assert list(ds["doctors"]["kol"]) == [True, False]


# --------------------------------------------------------------------------- refusals
def test_broken_workbook_lists_every_problem_and_stores_nothing(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    result = store_upload([("broken.xlsx", _broken_workbook())], "broken", uploads)
    assert not result.valid and result.folder is None
    assert list(result.problems.columns) == list(PROBLEM_COLUMNS)
    assert _found(result.problems) == PLANTED
    text = " ".join(result.problems["problem"])
    for word in ("'maybe'", "'T404'", "'T999'", "missing unit_price_cny", "customers"):
        assert word in text  # the unknown sheet's problem lists the known tables
    assert _left_in(uploads) == []  # neither a data set nor a staging folder


def test_csv_problems_name_the_file_lines_and_the_check_stores_nothing(
        small_dir: Path, tmp_path: Path) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(small_dir.glob("*.csv"))]
    payments = pd.read_csv(small_dir / "payments.csv", dtype=object, keep_default_na=False)
    payments.loc[8, "amount_cny"] = "lots"  # index 8 is line 10 (the header is line 1)
    files = [(n, b) for n, b in files if n != "payments.csv"]
    files += [("Payments.CSV", payments.to_csv(index=False).encode()),
              ("notes.csv", b"a,b\n1,2\n")]
    before = set(Path(tempfile.gettempdir()).iterdir())
    result = check_upload(files)
    assert _found(result.problems) == {("payments", 10, "amount_cny"), ("notes.csv", None, "")}
    notes = result.problems.set_index("table").loc["notes.csv", "problem"]
    assert "payments, flows" in notes  # the known tables are listed
    left = set(Path(tempfile.gettempdir()).iterdir()) - before
    assert not [p for p in left if p.name.startswith("pharmaops-upload-")]


def test_a_table_given_twice_and_a_missing_table_are_named(tiny_dir: Path) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(tiny_dir.glob("*.csv"))
             if p.name != "reps.csv"]
    files.append(("book.xlsx", _typed_workbook(tiny_dir)))  # every table once more
    problems = check_upload(files).problems
    twice = problems[problems["problem"].str.contains("each table once")]
    assert set(twice["table"]) == {t for t in TABLE_ORDER if (tiny_dir / f"{t}.csv").exists()
                                   and t != "reps"}
    assert "reps" not in set(problems["table"])  # given once, in the workbook


def test_an_interrupted_upload_leaves_nothing(tiny_dir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import data.upload as upload

    def interrupted(folder: Path) -> None:
        assert folder.name.startswith(STAGING_PREFIX) and any(folder.iterdir())
        raise KeyboardInterrupt

    monkeypatch.setattr(upload, "load_dataset", interrupted)
    files = [(p.name, p.read_bytes()) for p in tiny_dir.glob("*.csv")]
    with pytest.raises(KeyboardInterrupt):
        store_upload(files, "tiny", tmp_path / "uploads")
    assert _left_in(tmp_path / "uploads") == []


def test_the_same_data_stored_by_another_session_first_is_taken_as_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sessions store the same data under the same name at once: the second rename
    finds the folder there (same name, same fingerprint) and keeps it."""
    import data.upload as upload

    rename = os.replace

    def raced(staging: Path, target: Path) -> None:
        os.mkdir(target)  # the other session's folder appears first
        (Path(target) / "orders.csv").write_text("theirs", encoding="utf-8")
        rename(staging, target)  # a rename onto a non-empty folder fails (ENOTEMPTY)

    monkeypatch.setattr(upload.os, "replace", raced)
    result = store_upload([("template.xlsx", template_workbook())], "t", tmp_path)
    assert result.valid and _left_in(tmp_path) == [result.folder.name]
    assert (result.folder / "orders.csv").read_text(encoding="utf-8") == "theirs"


def test_a_name_without_a_letter_or_digit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="name"):
        store_upload([("template.xlsx", template_workbook())], " /// ", tmp_path)
    assert _left_in(tmp_path) == []


# --------------------------------------------------------------------------- storing
def test_csv_upload_stores_the_same_tables(small_dir: Path, tmp_path: Path) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(small_dir.iterdir())]  # + dataset.json
    uploads = tmp_path / "uploads"
    result = store_upload(files, "East 2026/东区", uploads)
    assert result.valid and result.folder is not None
    assert result.folder.parent == uploads
    assert result.folder.name == f"East-2026-东区-{result.dataset.fingerprint[:12]}"
    _assert_same_tables(result.folder, small_dir)
    assert load_dataset(result.folder).fingerprint == result.dataset.fingerprint
    again = store_upload(files, "East 2026/东区", uploads)  # the same data: the same folder
    assert again.folder == result.folder
    assert stored_uploads(uploads) == [result.folder]


def test_workbook_upload_stores_the_same_tables(tiny_dir: Path, tmp_path: Path) -> None:
    meta = (tiny_dir / "dataset.json").read_bytes()
    files = [("tiny.xlsx", _typed_workbook(tiny_dir)), ("dataset.json", meta)]
    result = store_upload(files, "tiny", tmp_path)
    assert result.valid, result.problems.to_string()
    _assert_same_tables(result.folder, tiny_dir)


def test_as_of_given_explicitly(tmp_path: Path) -> None:
    result = store_upload([("template.xlsx", template_workbook())], "t", tmp_path,
                          as_of="2026-09-30")
    assert result.valid and result.dataset.as_of == pd.Timestamp("2026-09-30")
    late = check_upload([("template.xlsx", template_workbook())], as_of="2028-01-01")
    assert list(late.problems["column"]) == ["as_of"]


# --------------------------------------------------------------------------- CLI
def test_cli_import_of_the_broken_workbook_exits_2_and_stores_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "broken.xlsx"
    book.write_bytes(_broken_workbook())
    uploads = tmp_path / "uploads"
    code = main(["data", "import", str(book), "--name", "x", "--out", str(uploads)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "5 problem(s)" in err and "nothing was stored" in err
    for word in ("backordered", "T999", "T404", "unit_price_cny", "extras"):
        assert word in err
    assert _left_in(uploads) == []


def test_cli_template_then_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "template.xlsx"
    assert main(["data", "template", "--out", str(template)]) == 0
    assert openpyxl.load_workbook(template).sheetnames[0] == README_SHEET
    js = tmp_path / "import.json"
    assert main(["data", "import", str(template), "--name", "demo", "--out",
                 str(tmp_path / "up"), "--json", str(js)]) == 0
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["valid"] and Path(doc["stored"]).parent == tmp_path / "up"
    assert doc["rows"]["order_lines"] == len(EXAMPLES["order_lines"])
    assert doc["stored"] in capsys.readouterr().out


# --------------------------------------------------------------------------- page
@pytest.fixture()
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setenv("PHARMAOPS_UPLOADS_DIR", str(folder))
    return folder


def _check(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="up_files").set_value([(name, content, XLSX)]).run(timeout=TIMEOUT_S)
    return at.button(key="up_check").click().run(timeout=TIMEOUT_S)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_page_shows_every_problem_of_a_broken_workbook_and_stores_nothing(
        uploads: Path, language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_problem_text import with_new_texts

    with_new_texts(monkeypatch)
    zh = i18n.catalogue("zh_CN")
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = language
    at.run(timeout=TIMEOUT_S)
    assert not at.exception
    assert at.title[0].value == ("Your data" if language == "en" else zh["Your data"])
    _check(at, "broken.xlsx", _broken_workbook())
    assert not at.exception
    assert len(at.error) == 1 and "5" in at.error[0].value
    shown = at.dataframe[0].value
    # the sheet no table is named after, as the page says it in Chinese
    sheet = {"en": "broken.xlsx, sheet extras", "zh_CN": "broken.xlsx，工作表 extras"}
    assert _found(shown) == {(sheet[language] if t == sheet["en"] else t, r, c)
                             for t, r, c in PLANTED}
    assert not at.success and not at.text_input  # no way to store a refused data set
    assert _left_in(uploads) == []
    assert SESSION_DATASET_KEY not in at.session_state
    if language == "zh_CN":
        config = json.loads(at.dataframe[0].proto.columns or "{}")
        headers = {c.get("label") for c in config.values()}
        assert {"表", "行", "列", "问题"} <= headers
        left = [t for t in page_texts(at) if t in zh and len(t) > 3]
        assert not left, f"catalogue texts shown in English: {left}"


@pytest.mark.parametrize(("language", "valid"), [
    ("en", "Valid: 15 tables, 33 rows, history up to Sep 15, 2026."),
    ("zh_CN", "有效：15 张表，33 行，历史截至 2026年9月15日。"),
])
def test_page_stores_a_valid_upload_and_every_sidebar_starts_with_it(
        uploads: Path, monkeypatch: pytest.MonkeyPatch, language: str, valid: str) -> None:
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = language
    at.run(timeout=TIMEOUT_S)
    _check(at, "template.xlsx", template_workbook())
    assert not at.exception and not at.error
    assert at.success[0].value == valid  # 33 = the template's example rows
    assert sum(len(rows) for rows in EXAMPLES.values()) == 33
    at.text_input(key="up_name").set_value("demo").run(timeout=TIMEOUT_S)
    at.button(key="up_store").click().run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    [stored] = stored_uploads(uploads)
    assert stored.name.startswith("demo-")
    assert at.session_state[SESSION_DATASET_KEY] == str(stored)
    assert at.selectbox(key="up_stored").options == [stored.name]
    # another page in the same session: its sidebar's folder starts with the upload
    channel = AppTest.from_string("from ui.channel import render\nrender()\n",
                                  default_timeout=TIMEOUT_S)
    channel.session_state[SESSION_DATASET_KEY] = str(stored)
    channel.run(timeout=TIMEOUT_S)
    assert channel.sidebar.text_input(key="ch_dataset_folder").value == str(stored)
