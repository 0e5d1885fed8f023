"""What a check receives: profile, seed, where figures go, and access to experiment runs."""
from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chasm_theory._io import atomic_write_bytes

PROFILES = ("quick", "full")


def project_root() -> Path:
    """Where reports and caches are written: ``$CHASM_THEORY_HOME`` if set, else the current
    working directory (never next to the installed package)."""
    return Path(os.environ.get("CHASM_THEORY_HOME") or Path.cwd())


def default_reports_dir() -> Path:
    return project_root() / "reports"


def cache_root() -> Path:
    """Training checkpoints and other regenerable state: ``<project root>/.cache``."""
    return project_root() / ".cache"


@dataclass
class Context:
    """Run-time settings of a check.

    Attributes
    ----------
    profile: ``"quick"`` (CPU, minutes) or ``"full"`` (papers' scale, GPU runs).
    seed: base seed; :meth:`rng` derives an independent stream per name.
    reports_dir: root of the generated reports (figures go to ``figures/``, runs to ``runs/``).
    device: torch device for empirical runs (``"cpu"`` or ``"cuda"``).
    allow_training: if False, empirical checks use cached runs only and are ``not-run`` otherwise.
    """

    profile: str = "quick"
    seed: int = 0
    reports_dir: Path = field(default_factory=default_reports_dir)
    device: str = "cpu"
    allow_training: bool = True
    progress: Any = None  # a rich Progress, when the caller shows one
    claim_id: str = ""
    runs_read: list[dict[str, Any]] = field(default_factory=list)  # run files the check read

    def __post_init__(self) -> None:
        from chasm_theory.errors import ValidationError

        if self.profile not in PROFILES:
            raise ValidationError(
                "profile", f"must be one of {', '.join(PROFILES)}", repr(self.profile)
            )
        if self.device not in ("cpu", "cuda"):
            raise ValidationError("device", "must be 'cpu' or 'cuda'", repr(self.device))
        self.reports_dir = Path(self.reports_dir)

    # ------------------------------------------------------------------ randomness
    def rng(self, name: str = "") -> np.random.Generator:
        """A numpy Generator seeded from (seed, claim id, name): same inputs, same stream."""
        key = zlib.crc32(f"{self.claim_id}/{name}".encode())
        return np.random.default_rng([self.seed, key])

    # ------------------------------------------------------------------ figures
    @property
    def out_dir(self) -> Path:
        """Where this profile's report goes: ``reports/`` (quick) or ``reports/full/``."""
        return self.reports_dir if self.profile == "quick" else self.reports_dir / self.profile

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"

    @property
    def runs_dir(self) -> Path:
        return self.reports_dir / "runs"

    def savefig(self, fig: Any, name: str) -> str:
        """Save a matplotlib figure atomically as ``figures/<name>.png``; return the path
        relative to :attr:`out_dir` (what a Record lists and REPORT.md links). The PNG bytes
        depend only on what is drawn (``_figures.png_bytes``); an identical file is not
        rewritten."""
        from chasm_theory._figures import png_bytes

        data = png_bytes(fig)
        path = self.figures_dir / f"{name}.png"
        if not path.exists() or path.read_bytes() != data:
            atomic_write_bytes(path, data)
        return path.relative_to(self.out_dir).as_posix()

    # ------------------------------------------------------------------ experiments
    def experiment(self, name: str) -> dict[str, Any]:
        """Results of experiment ``name`` at this profile: from the run cache when its config
        hash matches, else run now (if allowed), else raise :class:`NotRunError`."""
        if _RESULTS_SOURCE is None:
            raise RuntimeError("no run cache is plugged in (import chasm_theory first)")
        return _RESULTS_SOURCE(name, self)


# The run cache plugs its ``get_experiment_results(name, ctx)`` in here when it is imported
# (``chasm_theory._experiments``), so that the context does not import the cache back.
_RESULTS_SOURCE: Callable[[str, Context], dict[str, Any]] | None = None


def plug_results_source(fn: Callable[[str, Context], dict[str, Any]]) -> None:
    global _RESULTS_SOURCE
    _RESULTS_SOURCE = fn
