"""Experiment plumbing on tiny budgets: engine outputs, verdict logic, oracle sampler."""
from __future__ import annotations

import numpy as np
import torch

from chasm_theory import RunEnv
from empirics.engine.bayes import importance_sampling_oracle
from empirics.engine.evaluate import colored_eval
from empirics.engine.models import build_model
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import LG_SPECS as MODEL_SPECS
from empirics.engine.training import step_generator
from empirics.experiments.bayes.lgssm import grid_oracle_colored
from empirics.experiments.chasm.exp1 import THEORY, are_outcome
from empirics.models.count import count_params
from empirics.tasks.lg import augmented_params, colored_noise_batch


def test_specs_build_with_the_counts_recorded_in_the_claims():
    assert count_params(build_model(MODEL_SPECS["ssm"])) == 355
    assert count_params(build_model(MODEL_SPECS["lintf"])) == 3169
    assert count_params(build_model(MODEL_SPECS["softtf"])) == 19553


def test_colored_eval_oracle_has_zero_excess_against_itself(tmp_path):
    """An 'model' that is the steady-state Kalman filter has excess exactly 0."""

    class KalmanModel(torch.nn.Module):
        def forward(self, x):
            from empirics.tasks.lg import kalman_predictions
            p = kalman_predictions(x.double().numpy(), *augmented_params(0.9, 0.9), steady=True)
            return torch.as_tensor(p)

    ev = colored_eval({"ssm": ([KalmanModel()], 10**9)}, [0.9], [4, 16], 16, 50, 0, "cpu")
    ex = ev["0.9"]["models"]["ssm"]["excess"]
    assert all(abs(c["est"]) < 1e-12 for c in ex)


def test_are_outcome_with_the_ssm_at_the_oracle_is_decided_by_the_lower_end_alone():
    ci0 = {"est": 0.0, "lo": -0.01, "hi": 0.01, "level": 0.95}
    tf = {"ks": [64], "excess": [{"est": 0.2, "lo": 0.1, "hi": 0.3, "level": 0.95}]}
    ev = {"0.9": {"models": {"ssm": {"ks": [64], "excess": [ci0]}, "lintf": tf},
                  "are": {"lintf": {"est": 50.0, "lo": 20.0, "hi": 90.0, "level": 0.95}}}}
    # the SSM's excess reaches 0: the ARE is read on [20, inf], which clears the PI bound
    o = are_outcome(ev, "lintf", 0.9, 64, mode="bound-above", budget="", figures=[])
    assert o.verdict == "holds" and "unbounded above" in o.evidence and THEORY[0.9] < 20.0
    # ... and refutes "ARE < bound" from the lower end alone
    o = are_outcome(ev, "lintf", 0.9, 64, mode="bound-below", budget="", figures=[])
    assert o.verdict == "fails"
    # a lower end below the bound cannot be lifted by more test sequences at an SSM excess 0
    ev["0.9"]["are"]["lintf"] = {"est": 5.0, "lo": 2.0, "hi": 9.0, "level": 0.95}
    o = are_outcome(ev, "lintf", 0.9, 64, mode="bound-above", budget="", figures=[])
    assert o.verdict == "inconclusive" and "no number of test sequences" in o.to_decide
    # ... nor can an "ARE < bound" cell hold while the upper end is infinite
    o = are_outcome(ev, "lintf", 0.9, 64, mode="bound-below", budget="", figures=[])
    assert o.verdict == "inconclusive"
    ev["0.9"]["models"]["ssm"]["excess"] = [{"est": 0.1, "lo": 0.05, "hi": 0.15, "level": 0.95}]
    out = are_outcome(ev, "lintf", 0.9, 64, mode="bound-below", budget="", figures=[])
    assert out.verdict == "inconclusive"  # [2, 9] straddles the bound 5.26
    ev["0.9"]["are"]["lintf"] = {"est": 2.0, "lo": 1.0, "hi": 3.0, "level": 0.95}
    o = are_outcome(ev, "lintf", 0.9, 64, mode="bound-above", budget="", figures=[])
    assert o.verdict == "fails" and THEORY[0.9] > 3.0


def test_trained_model_tiny_run_and_cache_reuse(tmp_path):
    env = RunEnv("quick", "cpu", 123, tmp_path)
    tc = {"steps": 4, "batch": 4, "lr": 1e-3, "checkpoint_every": 2, "log_every": 2}
    task = {"name": "colored", "a": 0.9, "alpha": [0.5, 0.99]}
    run = TrainRun(MODEL_SPECS["ssm"], task, 16, tc, "mse", 123, label="t-ssm")
    m1, i1 = trained(run, env)
    assert (tmp_path / "models" / f"{run.key}.pt").exists()
    assert not (tmp_path / "ckpt" / f"{run.key}.pt").exists()
    m2, i2 = trained(run, RunEnv("quick", "cpu", 123, tmp_path, allow_training=False))
    assert i1 == i2 and len(i1["heldout_curve"]) == 2
    assert all(torch.equal(p, q) for p, q in zip(m1.parameters(), m2.parameters()))


def test_importance_sampler_agrees_with_grid_on_scalar_case():
    x, _ = colored_noise_batch(step_generator(5, 0), 20, 32, a=0.9, alpha=(0.5, 0.99))
    x = x.double().numpy()
    rng = np.random.default_rng(0)
    draws = [augmented_params(0.9, float(a)) for a in rng.uniform(0.5, 0.99, 400)]
    is_pred, ess = importance_sampling_oracle(x, draws)
    grid = 0.5 + (np.arange(200) + 0.5) * (0.49 / 200)
    gp = grid_oracle_colored(x, grid)
    assert np.sqrt(np.mean((is_pred[:, 0] - gp) ** 2)) < 0.02 * gp.std()
    assert np.all(ess > 20)


def test_zero_predictor_excess_matches_monte_carlo():
    """The zero predictor's exact excess over the steady-state oracle (from the law) against
    the mean of x_{k+1}² − (oracle's squared error) on sampled test sequences, within 5 s.e.,
    for ρ near the observability boundary a = 0.9 and far from it."""
    from empirics.engine.evaluate import colored_test_set, oracle_sq_errors, zero_predictor_excess

    k = 48
    for alpha in (0.5, 0.9, 0.95):
        x = colored_test_set(alpha, 20_000, k, seed=3)
        d = x[:, k, 0] ** 2 - oracle_sq_errors(x, 0.9, alpha)["steady"][:, k - 1]
        assert abs(d.mean() - zero_predictor_excess(0.9, alpha, k)) < 5 * d.std() / np.sqrt(d.size)


def test_are_bound_ids_need_the_favoured_model_to_have_learned():
    """'bound-above' (LinTF's ARE ≥ the PI bound) favours the SSM, 'bound-below' (SoftTF's ARE
    < the bound) the SoftTF: with that model's excess above the zero predictor's, the bound id
    is inconclusive, the verdict the numbers give kept; the value ids are not comparisons."""
    from empirics.engine.evaluate import zero_predictor_excess

    zero = zero_predictor_excess(0.9, 0.9, 64)
    good, bad = ({"est": e, "lo": e - 0.05, "hi": e + 0.05, "level": 0.95}
                 for e in (0.1, zero + 1.0))
    ev = {"0.9": {"models": {"ssm": {"ks": [64], "excess": [good]},
                             "softtf": {"ks": [64], "excess": [good]}},
                  "are": {"lintf": {"est": 50.0, "lo": 20.0, "hi": 90.0, "level": 0.95},
                          "softtf": {"est": 2.0, "lo": 1.5, "hi": 2.5, "level": 0.95}}}}
    kw = {"budget": "", "figures": []}
    above = are_outcome(ev, "lintf", 0.9, 64, mode="bound-above", **kw)
    below = are_outcome(ev, "softtf", 0.9, 64, mode="bound-below", **kw)
    assert (above.verdict, below.verdict) == ("holds", "holds")
    assert above.details["learned"]["ssm"] == {"verdict": "holds", "ci": [good["lo"], good["hi"]],
                                               "baseline": zero}
    assert set(below.details["learned"]) == {"softtf"}
    ev["0.9"]["models"]["softtf"]["excess"] = [bad]
    capped = are_outcome(ev, "softtf", 0.9, 64, mode="bound-below", **kw)
    assert capped.verdict == "inconclusive" and capped.details["verdict_if_learned"] == "holds"
    assert capped.details["learned"]["softtf"]["verdict"] == "fails"
    assert are_outcome(ev, "lintf", 0.9, 64, mode="bound-above", **kw).verdict == "holds"
    assert "learned" not in are_outcome(ev, "softtf", 0.9, 64, mode="value", **kw).details
