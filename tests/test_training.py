"""The shared training loop: kill-and-resume equivalence, determinism, NaN -> RunFailed."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from chasm_theory import RunFailed
from chasm_theory.errors import ValidationError
from empirics.engine.training import TrainConfig, seed_everything, step_generator, train


class Crash(Exception):
    pass


def _model() -> nn.Module:
    seed_everything(3)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


def _sample(gen: torch.Generator, batch: int):
    x = torch.randn(batch, 5, 2, generator=gen)
    return x, x.sum(-1, keepdim=True) ** 2


def _mse(p, y):
    return ((p - y) ** 2).mean()


def _env(tmp_path, sub):
    return {"ckpt": tmp_path / sub / "m.pt"}


def test_kill_and_resume_gives_identical_weights(tmp_path):
    N = 12
    cfg = TrainConfig(steps=2 * N, batch=4, lr=1e-2, warmup=3, checkpoint_every=N, log_every=5)
    ref = _model()
    out_ref = train(ref, _sample, _mse, cfg, **_env(tmp_path, "a"), seed=7)
    assert out_ref["resumed_from"] == 0

    calls = {"n": 0}

    def crashing(gen, batch):
        calls["n"] += 1
        if calls["n"] == N + 4:  # dies 3 steps after the step-N checkpoint
            raise Crash
        return _sample(gen, batch)

    m1 = _model()
    with pytest.raises(Crash):
        train(m1, crashing, _mse, cfg, **_env(tmp_path, "b"), seed=7)
    m2 = _model()  # fresh process: fresh init, state comes from the checkpoint
    out = train(m2, _sample, _mse, cfg, **_env(tmp_path, "b"), seed=7)
    assert out["resumed_from"] == N
    for (n, p), (_, q) in zip(ref.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(p, q), n
    assert out["curve"] == out_ref["curve"]
    assert out["heldout_curve"] == out_ref["heldout_curve"]
    # a finished run returns at once with the trained weights loaded
    m3 = _model()
    again = train(m3, _sample, _mse, cfg, **_env(tmp_path, "b"), seed=7)
    assert again["resumed_from"] == 2 * N
    assert all(torch.equal(p, q) for p, q in zip(ref.parameters(), m3.parameters()))


def test_training_reduces_loss_and_is_deterministic(tmp_path):
    cfg = TrainConfig(steps=60, batch=16, lr=1e-2, checkpoint_every=1000, log_every=10)
    a, b = _model(), _model()
    ra = train(a, _sample, _mse, cfg, **_env(tmp_path, "x"), seed=1)
    rb = train(b, _sample, _mse, cfg, **_env(tmp_path, "y"), seed=1)
    assert ra["curve"] == rb["curve"]
    assert ra["curve"][-1][1] < ra["curve"][0][1]


def test_different_seed_different_data():
    x1, _ = _sample(step_generator(0, 5), 3)
    x2, _ = _sample(step_generator(1, 5), 3)
    x3, _ = _sample(step_generator(0, 5), 3)
    assert not torch.equal(x1, x2) and torch.equal(x1, x3)


def test_nan_loss_raises_run_failed_with_step(tmp_path):
    def bad(gen, batch):
        x, y = _sample(gen, batch)
        return x, y * float("nan")

    with pytest.raises(RunFailed, match="step 0"):
        train(_model(), bad, _mse, TrainConfig(steps=5, batch=2), **_env(tmp_path, "n"),
              seed=0)


def test_bad_config_rejected():
    with pytest.raises(ValidationError, match="steps"):
        TrainConfig(steps=0, batch=2)
    with pytest.raises(ValidationError, match="warmup"):
        TrainConfig(steps=5, batch=2, warmup=9)
