"""The run cache: keyed by config hash, atomic, failed runs recorded, not-run when forbidden."""
import json

import pytest

from chasm_theory import Context, NotRunError, RunFailed, experiment, run_experiment
from chasm_theory._experiments import _EXPERIMENTS, _MEMO, config_hash, get_experiment

CALLS = {"n": 0, "fail": False}


def _cfg(profile):
    return {"steps": 3 if profile == "quick" else 300}


@pytest.fixture(autouse=True)
def fake_experiment():
    @experiment("test-fake", title="fake", config=_cfg)
    def run(cfg, env):
        CALLS["n"] += 1
        if CALLS["fail"]:
            raise RunFailed("loss is NaN at step 2")
        return {"steps": cfg["steps"], "seed": env.seed}

    yield
    _EXPERIMENTS.pop("test-fake", None)
    _MEMO.clear()
    CALLS.update(n=0, fail=False)


def test_runs_once_then_reuses_the_cache(tmp_path):
    ctx = Context(reports_dir=tmp_path)
    doc = run_experiment("test-fake", ctx)
    assert doc["status"] == "ok" and doc["results"] == {"steps": 3, "seed": 0}
    _MEMO.clear()
    again = run_experiment("test-fake", ctx)
    assert CALLS["n"] == 1 and again["config_hash"] == doc["config_hash"]
    files = list((tmp_path / "runs" / "quick").glob("test-fake-*.json"))
    assert len(files) == 1
    stored = json.loads(files[0].read_text())
    assert stored["provenance"]["seed"] == 0 and "commit" in stored["provenance"]


def test_hash_depends_on_config_and_seed():
    exp = get_experiment("test-fake")
    assert config_hash(exp, {"steps": 3}, 0) != config_hash(exp, {"steps": 4}, 0)
    assert config_hash(exp, {"steps": 3}, 0) != config_hash(exp, {"steps": 3}, 1)


def test_full_profile_without_a_run_is_not_run(tmp_path):
    ctx = Context(profile="full", reports_dir=tmp_path, allow_training=False)
    with pytest.raises(NotRunError, match="test-fake"):
        ctx.experiment("test-fake")


def test_failed_run_is_recorded_and_raised_to_claims(tmp_path):
    CALLS["fail"] = True
    ctx = Context(reports_dir=tmp_path)
    doc = run_experiment("test-fake", ctx)
    assert doc["status"] == "failed" and "NaN" in doc["error"]
    with pytest.raises(RunFailed):
        ctx.experiment("test-fake")


def test_an_explicit_run_experiment_never_starts_from_a_check(tmp_path):
    """An experiment marked explicit at a profile raises not-run from a check or report, and
    runs only when asked for by name (``chasm-theory run``)."""
    from chasm_theory._experiments import _EXPERIMENTS

    calls = []

    @experiment("test_explicit", title="t", config=lambda p: {"p": p}, explicit_run=("full",))
    def run(cfg, env):
        calls.append(cfg["p"])
        return {"x": 1.0}

    try:
        ctx = Context(profile="full", reports_dir=tmp_path)
        with pytest.raises(NotRunError, match="started only explicitly"):
            run_experiment("test_explicit", ctx)
        assert calls == []
        assert run_experiment("test_explicit", ctx, explicit=True)["results"] == {"x": 1.0}
        assert calls == ["full"]
        quick = Context(profile="quick", reports_dir=tmp_path)
        assert run_experiment("test_explicit", quick)["results"] == {"x": 1.0}
    finally:
        _EXPERIMENTS.pop("test_explicit", None)
