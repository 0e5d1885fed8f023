"""The package's architecture as tests: dependencies point one way (core ← empirics), the
core never imports torch or the empirical layer, and no module imports itself back through a
cycle (function-level imports included: a cycle hidden inside a function is still a cycle)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("chasm_theory", "empirics")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere in its body (module or function level).

    ``from pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg``."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                           for a in node.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_ancestor_edge(a: str, b: str) -> bool:
    """A package's ``__init__`` re-exporting its own submodules is not a dependency cycle."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_import_graph_sees_function_level_imports() -> None:
    g = import_graph()
    assert "chasm_theory._record" in g["chasm_theory._registry"]
    assert "chasm_theory.oracles._kalman_kernels" in g["chasm_theory.oracles.kalman"]


def test_no_import_cycles() -> None:
    g = import_graph()
    pruned = {m: {t for t in ts if not _is_ancestor_edge(m, t)} for m, ts in g.items()}
    assert _cycles(pruned) == []


def test_cycle_detector_finds_a_planted_cycle() -> None:
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(g) == [["a", "b", "c"]]


def test_core_never_imports_empirics_or_torch() -> None:
    g = import_graph()
    bad = {m: sorted(t for t in ts if t.startswith("empirics"))
           for m, ts in g.items() if m.startswith("chasm_theory")}
    assert {m: t for m, t in bad.items() if t} == {}
    for m, path in _modules().items():
        if m.startswith("chasm_theory"):
            tree = ast.parse(path.read_text())
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            assert not [n for n in names if n.split(".")[0] == "torch"], m


def test_core_theory_check_runs_without_torch() -> None:
    """Importing the core and running a theory check loads neither torch nor empirics."""
    code = ("import sys; from chasm_theory._registry import get_claim, run_claim, "
            "CORE_CLAIM_PACKAGE; import importlib, pkgutil; "
            "pkg = importlib.import_module(CORE_CLAIM_PACKAGE); "
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(pkg.__path__, "
            "CORE_CLAIM_PACKAGE + '.')]; "
            "from chasm_theory import Context; "
            "import chasm_theory.oracles.kalman; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'empirics')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_empirics_registers_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    from chasm_theory._registry import claim_packages

    eps = {e.name: e.value for e in entry_points(group="chasm_theory.claims")}
    assert eps.get("empirics") == "empirics.experiments"
    assert claim_packages()[0] == "chasm_theory.claims"
    assert "empirics.experiments" in claim_packages()
