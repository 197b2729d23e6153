"""`pharmaops warehouses simulate`: the chosen forward warehouses simulated against today's
network gives the figures of :func:`simulate_network` called with the same arguments; the
check it writes as JSON comes back exactly (:meth:`NetworkCheck.from_json`); bad options and
inputs exit 2 naming the option or file before any work."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.dataset import load_dataset
from models.inventory import network_design as nd
from scenarios.cli import build_parser, main
from scenarios.forward_network import NetworkCheck, simulate_network
from scenarios.jsonio import write_json
from scenarios.network_plan import district_assignment
from scenarios.process_cache import today_process
from scenarios.warehouses import SIM_HORIZON_DAYS, SIM_SEED, SIM_WARMUP_DAYS
from simulation.calibrate import calibrate
from ui.supply_chain_simulation import DEFAULT_REPLICATIONS

#: a short check: 2 replications of 150 days (30 warm-up), fill-rate 0.95, weekly review
SETTINGS = {"replications": 2, "seed": 11, "fill_rate": 0.95, "policy": "RS",
            "horizon_days": 150, "warmup_days": 30}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A run store (and so a calibration cache) of this module's own."""
    path = tmp_path_factory.mktemp("whsim") / "runs" / "store.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_RUN_STORE", str(path))
        yield path


@pytest.fixture(scope="module")
def chosen(small_dir: Path, store: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[list[str], Path, pd.DataFrame]:
    """The location model's forward sites (every district within 2 days) and its assignment
    table written as the page writes it (UTF-8 with BOM)."""
    ds = load_dataset(small_dir)
    outcome = nd.solve_location(nd.build_location_problem(
        ds, calibrate(ds).transit, candidates="sites", max_sites=8, service_days=2.0), 30.0)
    assert outcome.forward_site_ids
    frame = nd.assignment_frame(outcome)
    path = tmp_path_factory.mktemp("assignment") / "assignment.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return list(outcome.forward_site_ids), path, frame


def _arguments(folder: Path, sites: list[str], assignment: Path, **settings: object
               ) -> list[str]:
    options = {**SETTINGS, **settings}
    out = ["warehouses", "simulate", str(folder), "--sites", ",".join(sites),
           "--assignment", str(assignment), "--workers", "1"]
    for name, value in options.items():
        out += [f"--{name.replace('_', '-')}", str(value)]
    return out


@pytest.fixture(scope="module")
def direct(small_dir: Path, chosen: tuple[list[str], Path, pd.DataFrame]) -> NetworkCheck:
    """:func:`simulate_network` called with the command's arguments (today's process as the
    page and the command take it)."""
    ds = load_dataset(small_dir)
    sites, _path, frame = chosen
    return simulate_network(ds, today_process(ds), sites, district_assignment(frame),
                            workers=1, **SETTINGS)


def _same_estimates(found: dict, expected: dict) -> None:
    """The same estimates, value for value (NaN where there is NaN)."""
    assert found.keys() == expected.keys()
    for name, estimate in expected.items():
        np.testing.assert_equal(dataclasses.astuple(found[name]), dataclasses.astuple(estimate))


def test_the_command_gives_simulate_networks_figures(
        small_dir: Path, chosen: tuple[list[str], Path, pd.DataFrame], direct: NetworkCheck,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sites, assignment, _frame = chosen
    answer, progress = tmp_path / "check.json", tmp_path / "progress.json"
    assert main([*_arguments(small_dir, sites, assignment), "--json", str(answer),
                 "--progress-file", str(progress)]) == 0
    out = capsys.readouterr().out
    assert "on_time_rate" in out and "per forward site" in out
    doc = json.loads(answer.read_text(encoding="utf-8"))
    assert doc["forward_sites"] == sites and doc["replications"] == 2 and doc["seed"] == 11
    found = NetworkCheck.from_json(doc)
    pd.testing.assert_frame_equal(found.today, direct.today, check_exact=True)
    pd.testing.assert_frame_equal(found.network, direct.network, check_exact=True)
    pd.testing.assert_frame_equal(found.by_site, direct.by_site, check_exact=True)
    _same_estimates(found.summary, direct.summary)
    assert found.differences == direct.differences
    # the by-site table is the chosen sites', and the bar counted both networks' replications
    assert set(found.by_site["site_id"]) <= set(sites)
    assert json.loads(progress.read_text()) == {"done": 4, "total": 4, "label": "network"}


def test_without_an_assignment_accounts_go_to_their_nearest_open_site(
        small_dir: Path, chosen: tuple[list[str], Path, pd.DataFrame], tmp_path: Path) -> None:
    sites = chosen[0][:1]
    answer = tmp_path / "check.json"
    assert main(["warehouses", "simulate", str(small_dir), "--sites", sites[0],
                 "--replications", "2", "--horizon-days", "60", "--warmup-days", "10",
                 "--workers", "1", "--json", str(answer)]) == 0
    ds = load_dataset(small_dir)
    expected = simulate_network(ds, today_process(ds), sites, None, replications=2,
                                horizon_days=60, warmup_days=10, seed=SIM_SEED)
    found = NetworkCheck.from_json(json.loads(answer.read_text(encoding="utf-8")))
    pd.testing.assert_frame_equal(found.network, expected.network, check_exact=True)


def test_a_check_survives_json_exactly(direct: NetworkCheck, tmp_path: Path) -> None:
    """Written as the command writes it (NaN as null) and read back: the same frames, dtypes
    and estimates; an empty per-site table too."""
    nan_estimate = dataclasses.replace(direct.summary["on_time_rate"], p10=float("nan"))
    checks = [direct, dataclasses.replace(direct, by_site=pd.DataFrame(),
                                          summary={**direct.summary, "x": nan_estimate})]
    for k, check in enumerate(checks):
        path = tmp_path / f"{k}.json"
        write_json(check.to_json(), str(path))
        back = NetworkCheck.from_json(json.loads(path.read_text(encoding="utf-8")))
        for name in ("today", "network", "by_site"):
            pd.testing.assert_frame_equal(getattr(back, name), getattr(check, name),
                                          check_exact=True)
        _same_estimates(back.summary, check.summary)
        assert back.differences == check.differences


def test_the_defaults_are_the_pages() -> None:
    args = build_parser().parse_args(["warehouses", "simulate", "--sites", "S01"])
    assert (args.seed, args.horizon_days, args.warmup_days) == (
        SIM_SEED, SIM_HORIZON_DAYS, SIM_WARMUP_DAYS)
    assert (args.replications, args.fill_rate, args.policy) == (DEFAULT_REPLICATIONS, 0.98, "sQ")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "named", "expected"), [
    ({"sites": "S99"}, "--sites", "site ids of the data set's sites table"),
    ({"sites": "CENTRAL"}, "--sites", "not central DCs"),
    ({"sites": " , "}, "--sites", "one or more forward site ids"),
    ({"sites": "FIRST,FIRST"}, "--sites", "each site once"),
    ({"fill_rate": 1.0}, "--fill-rate", "a share in [0.5, 1)"),
    ({"fill_rate": 0.2}, "--fill-rate", "a share in [0.5, 1)"),
    ({"policy": "EOQ"}, "--policy", "sQ or RS"),
    ({"replications": 1}, "--replications", "2 or more"),
    ({"warmup_days": 150}, "--warmup-days", "fewer days than --horizon-days (150)"),
    ({"horizon_days": 10}, "--horizon-days", "a whole number of days in [30, 3650]"),
    ({"assignment": "missing.csv"}, "--assignment", "a CSV file with columns customer_id"),
    ({"assignment": "columns.csv"}, "columns.csv", "found columns district, warehouse"),
    ({"assignment": "closed.csv"}, "closed.csv: site_id", "open sites"),
    ({"assignment": "district.csv"}, "district.csv: customer_id", "district adcodes"),
    ({"assignment": "share.csv"}, "share.csv: share", "a share in (0, 1]"),
])
def test_bad_options_exit_2_naming_the_problem_before_any_work(
        small_dir: Path, chosen: tuple[list[str], Path, pd.DataFrame], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        change: dict, named: str, expected: str) -> None:
    sites, assignment, frame = chosen
    ds = load_dataset(small_dir)
    central = ds["sites"].loc[ds["sites"]["kind"] == "central_dc", "site_id"].iloc[0]
    closed = next(s for s in ds["sites"]["site_id"] if s not in sites and s != central)
    files = {
        "columns.csv": "district,warehouse\n110119,S01\n",
        "closed.csv": frame.assign(site_id=closed).to_csv(index=False),
        "district.csv": frame.assign(customer_id="999999").to_csv(index=False),
        "share.csv": frame.assign(share=1.5).to_csv(index=False)}
    change = dict(change)
    if "assignment" in change:
        name = change.pop("assignment")
        assignment = (_write(tmp_path / name, files[name]) if name in files
                      else tmp_path / name)
    if "sites" in change:
        sites = [change.pop("sites").replace("CENTRAL", central)
                 .replace("FIRST", sites[0])]
    for module in ("scenarios.forward_network.simulate_network",
                   "scenarios.process_cache.today_process"):
        monkeypatch.setattr(module, lambda *a, **k: pytest.fail("work started"))
    answer = tmp_path / "check.json"
    assert main([*_arguments(small_dir, sites, assignment, **change),
                 "--json", str(answer)]) == 2
    err = capsys.readouterr().err
    assert named in err and expected in err, err
    assert not answer.exists()
