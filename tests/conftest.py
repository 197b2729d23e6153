"""Shared fixtures: tiny generated data sets, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.generate import Profile, generate_to_folder

#: a few dozen accounts over four months: loads in well under a second
TINY = Profile("tiny", customers=40, reps=7, products=6, history_days=120)
#: enough accounts of every type, and prospects won, for each curve to be estimated (about
#: 6 s to generate)
MEDIUM = Profile("medium", customers=800, reps=50, products=20, terminals=3000)


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``small`` profile (about 300 accounts), generated once."""
    return generate_to_folder("small", 7, tmp_path_factory.mktemp("small") / "ds")


@pytest.fixture(scope="session")
def medium_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The medium profile (3,000 terminals), generated once per worker."""
    return generate_to_folder(MEDIUM, 11, tmp_path_factory.mktemp("medium") / "ds")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny profile for property tests that rewrite and reload a data set many times."""
    return generate_to_folder(TINY, 11, tmp_path_factory.mktemp("tiny") / "ds")


@pytest.fixture()
def files(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file a page hands to a download button, by file name (AppTest keeps no media
    after a run); a file the page makes only when clicked is made at once."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def load(self, path_or_data, mimetype, kind, filename=None):
        seen[filename] = path_or_data
        return keep(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)

    from streamlit.runtime.media_file_manager import MediaFileManager

    defer = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        # a file made when clicked: made here, as a click would, to be read by the test
        seen[file_name] = data_callable()
        return defer(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen
