"""Page "Your data": the template workbook, the upload of one's own tables (CSV or Excel, or
one workbook), every problem as a table (table, row, column, problem), and, when the whole
data set is valid, storing it and making it the session's data set: every page's sidebar
then starts with its folder. Stored uploads can be chosen again.

Checking and storing are :func:`data.upload.check_upload` and :func:`data.upload.store_upload`
(docs/data.md, "Your own data"); nothing is kept or used until the data set is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from data.problems import DatasetError, said
from data.upload import (
    UploadResult,
    check_upload,
    default_uploads_dir,
    store_upload,
    stored_uploads,
    template_workbook,
)
from ui import page_index
from ui.common import SESSION_DATASET_KEY, default_dataset_folder
from ui.i18n import N_, _, date, number

TITLE, ICON, URL_PATH = page_index.UPLOAD[:3]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: session key of the last check: (the files' signature, its result)
RESULT_KEY = "up_result"
#: the problem table's headers
PROBLEM_LABELS = {"table": N_("Table"), "row": N_("Row"), "column": N_("Column"),
                  "problem": N_("Problem")}

Files = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Checked:
    """What the page keeps of a check: the problems, and for a valid data set its rows per
    table and end of history (not its tables, which the session need not hold)."""

    problems: pd.DataFrame
    counts: dict[str, int] | None = None
    as_of: str | None = None

    @classmethod
    def of(cls, result: UploadResult) -> Checked:
        if not result.valid or result.dataset is None:
            return cls(result.problems)
        return cls(result.problems, result.dataset.counts(),
                   f"{result.dataset.as_of:%Y-%m-%d}")


# --------------------------------------------------------------------------- page
def render() -> None:
    """Page body: template, upload and check, store, stored data sets."""
    st.title(_(TITLE))
    st.caption(_(
        "Use your company's own data: fill in the template (one sheet per table) or upload "
        "one CSV or Excel file per table, named after the table. The whole data set is "
        "checked with the same rules as every page; nothing is stored or used until it is "
        "valid."))
    st.download_button(_("Download the template (.xlsx)"), data=_template(),
                       file_name="pharmaops_template.xlsx", mime=XLSX_MIME,
                       key="up_template",
                       help=_("A README sheet describing every table and column, then one "
                              "sheet per table with its exact header and example rows."))
    st.subheader(_("Upload and check"))
    uploaded = st.file_uploader(
        _("Tables (CSV or Excel; several files, or one workbook)"),
        type=["csv", "xlsx", "json"], accept_multiple_files=True, key="up_files",
        help=_("A file or sheet per table, named after it (orders.csv, sheet orders); "
               "dataset.json may give the end of the history (as_of)."))
    files: Files = [(f.name, f.getvalue()) for f in uploaded or []]
    signature = tuple((f.name, f.size, getattr(f, "file_id", "")) for f in uploaded or [])
    if st.button(_("Check"), key="up_check", type="primary", disabled=not files):
        with st.spinner(_("Checking the data set …")):
            st.session_state[RESULT_KEY] = (signature, Checked.of(check_upload(files)))
    held = st.session_state.get(RESULT_KEY)
    if held is not None and held[0] == signature and files:
        show_check(held[1], files)
    _stored()


@st.cache_data(show_spinner=False)
def _template() -> bytes:
    return template_workbook()


def problems_frame(problems: pd.DataFrame) -> None:
    """The problems as a table with translated headers and problems (the values they name,
    such as ids, columns and what was found, stay as given)."""
    config = {name: st.column_config.Column(_(label)) for name, label in PROBLEM_LABELS.items()}
    # a problem that is not one row's (a missing table, an unknown sheet) shows no row
    shown = problems.assign(row=problems["row"].astype("string").fillna(""),
                            table=[said(t, _) for t in problems["table"]],
                            problem=[said(t, _) for t in problems["problem"]])
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def show_check(checked: Checked, files: Files) -> None:
    """The check's outcome: the problems, or the valid data set and how to store it."""
    if checked.counts is None:
        st.error(_("{count} problem(s): the data set was not stored and is not used. Fix "
                   "them and check again.").format(count=len(checked.problems)))
        problems_frame(checked.problems)
        return
    counts = checked.counts
    st.success(_("Valid: {tables} tables, {rows} rows, history up to {as_of}.").format(
        tables=len(counts), rows=number(sum(counts.values())),
        as_of=date(pd.Timestamp(checked.as_of))))
    name = st.text_input(_("Name of the data set"), key="up_name",
                         help=_("Letters, digits and dashes; the stored folder is the name "
                                "and the data's fingerprint."))
    if st.button(_("Store and use this data set"), key="up_store", disabled=not name.strip()):
        _store(files, name)


def _store(files: Files, name: str) -> None:
    try:
        stored = store_upload(files, name, default_uploads_dir())
    except DatasetError as exc:  # a name without a letter or digit
        st.error(_("The name was refused: {problem}").format(problem=exc.problems[0].text(_)))
        return
    if not stored.valid or stored.folder is None:  # the files changed under us
        st.error(_("{count} problem(s): the data set was not stored and is not used. Fix "
                   "them and check again.").format(count=len(stored.problems)))
        problems_frame(stored.problems)
        return
    st.session_state[SESSION_DATASET_KEY] = str(stored.folder)
    st.success(_("Stored in `{folder}`. Every page now starts with this data set.").format(
        folder=stored.folder))


def _stored() -> None:
    """The data set the pages start with, and the stored uploads to choose from."""
    st.subheader(_("Stored data sets"))
    st.markdown(_("The pages start with: `{folder}`").format(folder=default_dataset_folder()))
    uploads = default_uploads_dir()
    found = stored_uploads(uploads)
    if not found:
        st.caption(_("No data set stored yet in `{folder}`.").format(folder=uploads))
    else:
        names = [p.name for p in found]
        chosen = st.selectbox(_("Stored data set"), names, key="up_stored")
        if st.button(_("Use this data set"), key="up_use"):
            st.session_state[SESSION_DATASET_KEY] = str(Path(uploads) / chosen)
            st.rerun()
    if st.session_state.get(SESSION_DATASET_KEY) and st.button(
            _("Back to the default data set"), key="up_default"):
        del st.session_state[SESSION_DATASET_KEY]
        st.rerun()
