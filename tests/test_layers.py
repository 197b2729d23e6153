"""The house is one-way: data ← models ← simulation ← scenarios ← ui ← app.

Every import in the project's source (module level or inside a function) is read with
``ast``; a module may import only its own layer or the layers below it, the project's
modules form no import cycle, no module is longer than 600 lines, no page imports the CLI,
and the simulation runs with the ``scenarios`` package absent.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"data": 0, "models": 1, "simulation": 2, "scenarios": 3, "ui": 4, "app": 5}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for package in ("data", "models", "simulation", "scenarios", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    out["app"] = ROOT / "app.py"
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports (resolved to the longest known module name)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for target in targets:
            if target.split(".")[0] not in LAYERS:
                continue
            parts = target.split(".")
            while parts and ".".join(parts) not in MODULES:
                parts.pop()
            if parts and ".".join(parts) != name:
                found.add(".".join(parts))
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_module_map_is_complete() -> None:
    assert {"data.kpis", "models.transit", "simulation.config", "scenarios.run", "app"} <= set(
        MODULES)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [f"{name} imports {target}" for name, targets in GRAPH.items()
              for target in sorted(targets)
              if LAYERS[target.split(".")[0]] > LAYERS[name.split(".")[0]]]
    assert upward == []


def test_the_project_modules_form_no_import_cycle() -> None:
    # package __init__ modules re-export their own submodules: an edge from a package's
    # submodule to the package itself is the package's own, not a cycle between concerns
    def own_package(a: str, b: str) -> bool:
        return a.startswith(b + ".") or b.startswith(a + ".")

    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if own_package(node, nxt):
                continue
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [node, nxt]))
            elif nxt not in state:
                visit(nxt, stack + [node])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_no_page_imports_the_command_line() -> None:
    assert [n for n, t in GRAPH.items() if n.startswith(("ui", "app")) and "scenarios.cli" in t] \
        == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines"


def test_the_simulation_runs_without_the_scenarios_package(small_dir: Path) -> None:
    """A replication from a hand-built config, with every ``scenarios`` import refused."""
    script = textwrap.dedent(f"""
        import sys
        sys.modules["scenarios"] = None  # any import of scenarios.* now raises ImportError
        import numpy as np
        from data.dataset import load_dataset
        from simulation.calibrate import calibrate
        from simulation.config import CreditPolicy, NetworkPlan, SimulationConfig
        from simulation.inputs import build_inputs
        from simulation.replication import run_replication

        ds = load_dataset({str(small_dir)!r})
        inputs = build_inputs(ds)
        central = inputs.nearest_sites(inputs.site_central)
        config = SimulationConfig(
            name="bare", horizon_days=60, warmup_days=10, seed=3,
            network=NetworkPlan(open_sites=inputs.site_central.copy(), serving_site=central,
                                central_site=central),
            credit=CreditPolicy(account_terms=np.full(inputs.customers, "monthly", object)))
        result = run_replication(inputs, calibrate(ds), config, 0)
        assert 0 < result.kpis["on_time_rate"] <= 1, result.kpis
        assert not any(m == "scenarios" or m.startswith("scenarios.") for m in sys.modules
                       if sys.modules[m] is not None)
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
