"""The source commit a result was computed from (provenance of runs and reports)."""
from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["source_commit"]


def source_commit(root: Path, exclude: Path | None = None) -> str:
    """``HEAD`` of the git checkout at ``root``, with ``+dirty`` when a tracked file differs —
    not counting files under ``exclude`` (the reports or run-cache folder being written).
    ``"unknown"`` outside a checkout. Read it before writing anything."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=root,
                                capture_output=True, text=True,
                                timeout=10).stdout.strip() or "unknown"
        if commit == "unknown":
            return commit
        spec = ["--", "."]
        if exclude is not None:
            try:
                rel = Path(exclude).resolve().relative_to(Path(root).resolve()).as_posix()
                spec.append(f":(exclude){rel}")
            except ValueError:
                pass
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", *spec],
                               check=False, cwd=root, capture_output=True, text=True,
                               timeout=10).stdout
        return commit + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
