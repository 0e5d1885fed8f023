"""Atomic file writes.

Nothing half-written ever appears under a final name, and every generated file is readable by
others (mode 0644, whatever ``tempfile`` created it with). :func:`to_json` is the run cache's
codec (:mod:`chasm_theory._codec`: non-finite floats as the strings ``"inf"``, ``"-inf"``,
``"nan"``) at indent 2; :func:`round_sig` rounds every float of a document to a fixed number
of significant digits so that a regenerated report is byte-identical when the measurements are.
"""
from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from chasm_theory import _codec

FILE_MODE = 0o644


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``;
    the file ends with mode 0644 (``mkstemp`` creates 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_json(obj: Any) -> str:
    """``obj`` as JSON text through the one codec (:func:`chasm_theory._codec.dumps`, indent 2):
    numpy scalars/arrays as Python, non-finite floats as the strings ``"inf"``, ``"-inf"``,
    ``"nan"``."""
    return _codec.dumps(obj, indent=2)


def round_sig(obj: Any, digits: int = 6) -> Any:
    """``obj`` with every finite float rounded to ``digits`` significant digits (recursively
    through dicts, lists and tuples; numpy scalars and arrays included). Integers, strings and
    non-finite floats are unchanged; ``-0.0`` becomes ``0.0``."""
    import numpy as np

    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if not math.isfinite(f) or f == 0.0:
            return 0.0 if f == 0.0 else f
        return float(f"{f:.{digits}g}")
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, dict):
        return {k: round_sig(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_sig(v, digits) for v in obj]
    if isinstance(obj, np.ndarray):
        return round_sig(obj.tolist(), digits)
    return obj


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, sig: int | None = None) -> Path:
    """Write ``obj`` as JSON; with ``sig`` every float is first rounded to that many significant
    digits (reports do; run files keep full precision for the checks that read them)."""
    return atomic_write_text(path, to_json(round_sig(obj, sig) if sig else obj))
