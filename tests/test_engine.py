"""The engine: a run's key, interrupted-and-resumed training equal to an uninterrupted run bit for
bit, fresh and cached results identical through the one codec, evaluation without retraining."""
from __future__ import annotations

import math

import pytest
import torch

from chasm_theory import Context, experiment
from chasm_theory._codec import dumps, loads, roundtrip
from chasm_theory._experiments import _EXPERIMENTS, _MEMO, RunEnv, run_experiment
from chasm_theory.errors import NotRunError
from empirics.engine.runs import TrainRun, ckpt_path, execute, load, trained

TC = {"steps": 6, "batch": 4, "lr": 1e-2, "warmup": 2, "checkpoint_every": 3, "log_every": 2}
SPEC = {"kind": "ssm", "n": 4, "width": 3}
TASK = {"name": "colored", "a": 0.9, "alpha": [0.5, 0.99]}


def _run(**kw) -> TrainRun:
    return TrainRun(**{"model": SPEC, "task": TASK, "length": 8, "train": TC, "loss": "mse",
                       "seed": 5, **kw})


def test_key_is_the_identity_not_the_label():
    a, b = _run(label="x", replicate=0), _run(label="y", replicate=2)
    assert a.key == b.key and len(a.key) == 12
    assert _run(seed=6).key != a.key and _run(length=9).key != a.key
    assert TrainRun.from_dict(a.as_dict()).key == a.key


class Stop(Exception):
    pass


def test_interrupted_run_resumes_to_identical_weights(tmp_path):
    ref = execute(_run(), tmp_path / "ref")
    m_ref, _ = load(_run(), tmp_path / "ref")
    calls = {"n": 0}

    def stop_after_4(n: int) -> None:  # dies after step 4 (checkpoint at step 3)
        calls["n"] += n
        if calls["n"] == 4:
            raise Stop

    with pytest.raises(Stop):
        execute(_run(), tmp_path / "b", advance=stop_after_4)
    assert ckpt_path(tmp_path / "b", _run()).exists()
    before = torch.load(ckpt_path(tmp_path / "b", _run()), weights_only=True)["train_wall_s"]
    counted: list[int] = []
    # a scheduler that read the checkpoint's step itself counts trained steps only
    rec = execute(_run(), tmp_path / "b", advance=counted.append, count_resumed=False)
    assert rec["provenance"]["resumed_from"] == 3 and sum(counted) == 6 - 3
    # the training time of the segment before the interruption is carried, not lost
    assert 0 < before < rec["provenance"]["train_wall_s"]
    assert not ckpt_path(tmp_path / "b", _run()).exists()
    m, _ = load(_run(), tmp_path / "b")
    for (n, p), (_, q) in zip(m_ref.state_dict().items(), m.state_dict().items()):
        assert torch.equal(p, q), n
    assert rec["training"] == ref["training"]
    assert len(ref["training"]["heldout_curve"]) == 3


def test_time_before_an_unrecorded_resume_stays_unknown(tmp_path):
    """A checkpoint from before training time was recorded: the run's total stays None
    (unknown) through later checkpoints, not a later segment passed off as the whole."""
    run = _run(train={**TC, "checkpoint_every": 2})

    def stop_at(k):
        seen = {"n": 0}

        def advance(n: int) -> None:
            seen["n"] += n
            if seen["n"] >= k:
                raise Stop
        return advance

    with pytest.raises(Stop):  # checkpoint at step 2
        execute(run, tmp_path, advance=stop_at(3))
    ck = ckpt_path(tmp_path, run)
    old = torch.load(ck, weights_only=True)
    del old["train_wall_s"]
    torch.save(old, ck)
    with pytest.raises(Stop):  # resumed at 2 (time unknown), checkpoint at step 4
        execute(run, tmp_path, advance=stop_at(3), count_resumed=False)
    assert "train_wall_s" not in torch.load(ck, weights_only=True)
    rec = execute(run, tmp_path)
    assert rec["provenance"]["resumed_from"] == 4 and rec["provenance"]["train_wall_s"] is None


def test_stored_model_is_never_retrained(tmp_path):
    env = RunEnv("quick", "cpu", 0, tmp_path)
    m1, s1 = trained(_run(), env)
    frozen = RunEnv("quick", "cpu", 0, tmp_path, allow_training=False)
    m2, s2 = trained(_run(), frozen)
    assert s1 == s2
    with pytest.raises(NotRunError):
        trained(_run(seed=99), frozen)


def test_codec_round_trip_of_non_finite_floats():
    obj = {"a": [1.0, math.inf, -math.inf], "b": {"c": math.nan}, 3: (1, 2)}
    back = loads(dumps(obj))
    assert back["a"] == [1.0, math.inf, -math.inf] and math.isnan(back["b"]["c"])
    assert back["3"] == [1, 2] and roundtrip(back)["a"] == back["a"]


def _toy_config(profile):
    return {"train": TC, "seeds": [0, 1]}


def _toy_runs(cfg, seed):
    return [_run(seed=seed + 100 * r, replicate=r, label="toy") for r in range(len(cfg["seeds"]))]


@pytest.fixture
def toy_experiment():
    @experiment("test-engine-toy", title="toy", config=_toy_config, training_runs=_toy_runs)
    def run(cfg, env):
        x = torch.linspace(-1, 1, 8).reshape(1, 8, 1)
        outs = []
        for r in _toy_runs(cfg, env.seed):
            model, info = trained(r, env)
            with torch.no_grad():
                outs.append(model(x).double().flatten().tolist())
        return {"outputs": outs, "worst": math.inf, "summary": info, "none": math.nan}

    yield
    _EXPERIMENTS.pop("test-engine-toy", None)
    _MEMO.clear()


def test_fresh_and_cached_results_are_identical(tmp_path, toy_experiment):
    ctx = Context(reports_dir=tmp_path)
    fresh = run_experiment("test-engine-toy", ctx)["results"]
    assert fresh["worst"] == math.inf and math.isnan(fresh["none"])
    _MEMO.clear()
    cached = run_experiment("test-engine-toy", Context(reports_dir=tmp_path, allow_training=False))
    assert dumps(cached["results"]) == dumps(fresh)
    # the experiment's results deleted: evaluation from the stored models, no training
    for p in (tmp_path / "runs" / "quick").glob("test-engine-toy-*.json"):
        p.unlink()
    _MEMO.clear()
    again = run_experiment("test-engine-toy", Context(reports_dir=tmp_path, allow_training=False))
    assert dumps(again["results"]) == dumps(fresh)
