"""The layers hold by themselves (docs/architecture.md, "Layers"): import-linter's
contracts (pyproject.toml) are kept, the core's import graph has no cycle, and the
plugins' contract names every module of the core but its public API."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import coelab
import grimp

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def _cycles(graph, package: str) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's)."""
    modules = sorted(m for m in graph.modules if m.startswith(package))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if not w.startswith(package):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_in_the_core_nor_in_a_package():
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for package in ("coelab", "cohort", "casestudies", "recommendations"):
        graph = grimp.build_graph(package, include_external_packages=False)
        assert _cycles(graph, package) == [], package


def test_the_plugins_contract_names_every_module_of_the_core_but_its_api():
    contract = next(c for c in _config()["contracts"]
                    if c["source_modules"] == ["cohort", "casestudies", "recommendations"])
    core = {f"coelab.{m.name}" for m in pkgutil.iter_modules(coelab.__path__)}
    assert set(contract["forbidden_modules"]) == core - {"coelab.api"}


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"p.a", "p.b", "p.c"}

        @staticmethod
        def find_modules_directly_imported_by(module):
            return {"p.a": {"p.b"}, "p.b": {"p.a"}, "p.c": {"p.a"}}[module]

    assert _cycles(Graph(), "p") == [{"p.a", "p.b"}]
