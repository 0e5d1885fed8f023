"""The one JSON codec of the run cache: fresh and cached results take the same path.

Non-finite floats are stored as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (JSON has no
literal for them) and decoded back to floats; numpy scalars and arrays become Python numbers
and lists; tuples become lists and dict keys strings. :func:`roundtrip` is what an experiment's
fresh results go through before a check sees them, so a check reads identical data from a fresh
run and from its cached reload.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["encode", "decode", "dumps", "loads", "roundtrip"]

_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def encode(obj: Any) -> Any:
    """A JSON-able copy of ``obj`` (non-finite floats as strings, numpy as Python)."""
    import numpy as np

    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return encode(obj.tolist())
    if isinstance(obj, (set, frozenset)):
        return [encode(v) for v in sorted(obj)]
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def decode(obj: Any) -> Any:
    """Inverse of :func:`encode` on the non-finite floats (everything else is plain JSON)."""
    if isinstance(obj, dict):
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if isinstance(obj, str) and obj in _NONFINITE:
        return _NONFINITE[obj]
    return obj


def dumps(obj: Any, indent: int | None = 1) -> str:
    return json.dumps(encode(obj), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


def loads(text: str) -> Any:
    return decode(json.loads(text))


def roundtrip(obj: Any) -> Any:
    """``loads(dumps(obj))``: the value a cached reload of ``obj`` gives."""
    return loads(dumps(obj, indent=None))
