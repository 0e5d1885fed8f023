"""Plug-in loading: the core's claim package, then the packages that other layers register
under the ``chasm_theory.claims`` entry-point group. Importing a claim module registers its
claims (and experiments) as a side effect; :func:`load_all` does it once, in a fixed order.

This module imports nothing of the engine, so the registry and the run cache can both call it
without importing each other.
"""
from __future__ import annotations

import importlib
import pkgutil

__all__ = ["CORE_CLAIM_PACKAGE", "ENTRY_POINT_GROUP", "claim_packages", "load_all"]

CORE_CLAIM_PACKAGE = "chasm_theory.claims"
ENTRY_POINT_GROUP = "chasm_theory.claims"
_LOADED = False


def claim_packages() -> list[str]:
    """The core claim package, then every package registered under the entry-point group
    ``chasm_theory.claims`` (``pyproject.toml``: ``[project.entry-points."chasm_theory.claims"]``),
    sorted by entry-point name."""
    from importlib.metadata import entry_points

    plugins = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    return [CORE_CLAIM_PACKAGE] + [e.value for e in plugins if e.value != CORE_CLAIM_PACKAGE]


def load_all() -> None:
    """Import every module of every claim package (sub-packages included), once."""
    global _LOADED
    if _LOADED:
        return
    for pkg_name in claim_packages():
        pkg = importlib.import_module(pkg_name)
        for info in sorted(pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."),
                           key=lambda m: m.name):
            if not info.name.rsplit(".", 1)[-1].startswith("_"):
                importlib.import_module(info.name)
    _LOADED = True
