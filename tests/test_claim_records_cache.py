"""The claim records computed from a fresh (toy) run equal those recomputed from its cached
reload in a new Context: same verdicts, numbers, evidence, run references and figure bytes.
(tests/test_engine.py checks the results; this checks what the checks make of them.)"""
from __future__ import annotations

import copy

import pytest

from chasm_theory import Context
from chasm_theory._codec import dumps
from chasm_theory._experiments import _MEMO, get_experiment
from chasm_theory._registry import all_claims, run_claim
from empirics.engine import figures

TOY_TRAIN = {"steps": 4, "batch": 2, "warmup": 0, "log_every": 1, "checkpoint_every": 2}


def _toy_exp2(profile: str) -> dict:
    import empirics.experiments.chasm.exp2 as e2

    cfg = copy.deepcopy(e2._config(profile))
    cfg["train"] = {**cfg["train"], **TOY_TRAIN}
    cfg.update(n_test=8, n_fixed=10_000, seeds=[0, 1])
    return cfg


def _toy_majority(profile: str) -> dict:
    import empirics.experiments.gen.majority as gm

    cfg = gm.config(profile)
    cfg.update(steps=12, batch=8, test_words=64, seeds=[0, 1], alphas=[-0.1, 0.0, 0.02],
               test_lens=[31, 63])
    return cfg


@pytest.fixture
def toy_configs(monkeypatch):
    monkeypatch.setattr(get_experiment("exp2"), "config", _toy_exp2)
    monkeypatch.setattr(get_experiment("gen_majority"), "config", _toy_majority)
    _MEMO.clear()
    yield
    _MEMO.clear()


def _records(ctx: Context, prefixes: tuple[str, ...]) -> dict[str, str]:
    """id -> the record as stored (``to_dict``: no wall-clock field), through the codec so
    that non-finite numbers compare as text."""
    return {cid: dumps(run_claim(cid, ctx).to_dict()) for cid in all_claims()
            if cid.startswith(prefixes)}


def test_records_from_a_fresh_run_equal_those_from_its_cached_reload(tmp_path, toy_configs):
    prefixes = ("chasm.exp2.", "gen.length-generalization")
    fresh = _records(Context(reports_dir=tmp_path), prefixes)
    assert len(fresh) == 4
    pngs = {p.name: p.read_bytes() for p in (tmp_path / "figures").glob("*.png")}
    assert {"exp2_fig3_static.png", "exp2_training_curves.png", "gen_majority_accuracy.png",
            "gen_majority_training_curves.png"} <= set(pngs)
    for p in (tmp_path / "figures").glob("*.png"):
        p.unlink()
    _MEMO.clear()
    figures._DRAWN.clear()  # the reload redraws every figure
    cached = _records(Context(reports_dir=tmp_path, allow_training=False), prefixes)
    assert cached == fresh
    assert {p.name: p.read_bytes() for p in (tmp_path / "figures").glob("*.png")} == pngs
    # the reload read the stored run files, not a new run
    runs = list((tmp_path / "runs" / "quick").glob("*.json"))
    assert sorted(p.name.split("-")[0] for p in runs) == ["exp2", "gen_majority"]
