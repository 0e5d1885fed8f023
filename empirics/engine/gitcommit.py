"""Committing the run cache from the training scheduler (``chasm-theory train --commit``):
exactly the given paths, nothing else that is staged, retrying while another process holds the
index lock."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

__all__ = ["commit_paths"]


def _git(*args: str) -> bool:
    for _ in range(20):
        r = subprocess.run(["git", *args], capture_output=True, text=True)
        if r.returncode == 0:
            return True
        if "index.lock" not in r.stderr:
            return False
        time.sleep(3)
    return False


def commit_paths(paths: list[Path], message: str) -> bool:
    """Commit exactly ``paths`` (added or removed), nothing else in the index. A gone path
    that git never knew (e.g. the checkpoint of a run that finished before its first one) is
    left out: naming it would fail the whole commit."""
    existing = [str(p) for p in paths if p.exists()]
    gone = [str(p) for p in paths if not p.exists()]
    known = [g for g in gone if subprocess.run(["git", "ls-files", "--error-unmatch", "--", g],
                                               capture_output=True).returncode == 0]
    if existing and not _git("add", "--", *existing):
        return False
    for g in gone:
        _git("rm", "-q", "--cached", "--ignore-unmatch", "--", g)
    return _git("commit", "-q", "-m", message, "--",
                *sorted(set(existing) | set(known)))
