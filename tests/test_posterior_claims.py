"""Claim-side logic of the SMC Bayes oracle (empirics/experiments/bayes/_smc_oracle.py) on
synthetic run results: the oracle's own check gates the verdict, the excess over the oracle is
the per-task squared-error difference, and the verdict rules of bayes.thm1.consistency's
Bayes parts (near zero / plateau above / still decreasing; LinTF flat and > 0)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from chasm_theory._context import Context
from chasm_theory.oracles.posterior_smc import SMCConfig
from empirics.experiments.bayes._smc_oracle import (
    consistency_vs_bayes,
    excess_units,
    oracle_outcome,
    same_test_set,
    smc_oracle_on,
)

N_TEST = 400


def _agree(z):
    return {"n": 8, "rms_diff": 0.01 * z, "max_abs_diff": 0.02 * z, "rms_se": 0.01,
            "z_pooled": z, "ref_sd": 1.0, "mean_sq_diff": 1e-4 * z * z}


def _oracle(z=1.0, eff=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    se_k = rng.exponential(5.0, N_TEST)
    se_b = se_k + rng.exponential(2.0, N_TEST)
    return {"n_test": N_TEST, "se_bayes": se_b.tolist(), "se_kalman": se_k.tolist(),
            "risk_bayes": {"est": float(se_b.mean())},
            "oracle": {"summary": {"config": SMCConfig()._asdict(), "n_contexts": N_TEST,
                                   "n_stages_median": 8.0, "n_stages_max": 9, "accept_mean": 0.3,
                                   "accept_min": 0.28, "rhat_median": 1.0, "rhat_max": 1.01,
                                   "mcse_rms": 0.05}},
            "checks": {"colored_grid": _agree(1.0), "slice_grid": {"latent_16": _agree(1.2)},
                       "importance": {"M": 10, "k4": {**_agree(z), "n_reliable": 3}},
                       "seeds": _agree(0.8),
                       "effort": {**_agree(1.0), "mean_sq_diff": eff,
                                  "log_evidence_shortfall_mean": 0.1}}}


def _rows(orc, ssm_excess, lintf_excess, seed=1):
    """bayes_thm1-like rows whose models' squared errors exceed the oracle's by the given
    per-N means (noise sd 0.5 per task)."""
    rng = np.random.default_rng(seed)
    se_b, se_k = np.array(orc["se_bayes"]), np.array(orc["se_kalman"])
    rows = []
    for N, es, el in zip([16, 128, 1024], ssm_excess, lintf_excess):
        u = {n: (se_b + e + rng.normal(0, 0.5, N_TEST) - se_k).tolist()
             for n, e in (("ssm", es), ("lintf", el))}
        rows.append({"N": N, "n_test": N_TEST, "units_excess_vs_kalman": u,
                     "risk": {"kalman": {"est": float(se_k.mean())}}})
    return rows


@pytest.fixture
def ctx(tmp_path):
    return Context(reports_dir=tmp_path)


def test_oracle_check_holds_and_fails():
    assert oracle_outcome(_oracle()).verdict == "holds"
    bad = oracle_outcome(_oracle(z=9.0))
    assert bad.verdict == "fails" and "IS (M = 10): k = 4" in bad.counterexample["z_above_max"]
    assert oracle_outcome(_oracle(eff=10.0)).verdict == "fails"
    law = _oracle()
    law["checks"]["prior_law"] = {"n": 10, "z": {"tr A": 9.0}, "max_abs_z": 9.0}
    assert "prior law (max |z|)" in oracle_outcome(law).counterexample["z_above_max"]


def test_excess_units_are_squared_error_differences():
    orc = _oracle()
    rows = _rows(orc, [1.0, 0.5, 0.0], [2.0, 2.0, 2.0])
    u = excess_units(rows[0], "ssm", orc)
    assert u.shape == (1, N_TEST) and abs(u.mean() - 1.0) < 0.2
    per_seed = {**rows[0], "units_se_by_seed": {"ssm": [list(np.array(orc["se_bayes"]) + 3.0)]}}
    np.testing.assert_allclose(excess_units(per_seed, "ssm", orc), 3.0)
    gap = np.array(orc["se_bayes"]) - np.array(orc["se_kalman"])
    per_seed_k = {**rows[0], "units_excess_vs_kalman_per_seed": {"ssm": [list(gap + 2.0)] * 3}}
    u3 = excess_units(per_seed_k, "ssm", orc)
    assert u3.shape == (3, N_TEST)
    np.testing.assert_allclose(u3, 2.0)
    orc["oracle"]["pred"] = np.zeros((N_TEST, 2)).tolist()
    preds = {**rows[0], "pred_last": {"ssm": np.full((2, N_TEST, 2), 0.5).tolist()}}
    np.testing.assert_allclose(excess_units(preds, "ssm", orc), 0.5)
    assert same_test_set(rows[0], orc)
    other = copy.deepcopy(rows[0])
    other["risk"]["kalman"]["est"] *= 1.01
    assert not same_test_set(other, orc)


@pytest.mark.parametrize("ssm, lintf, want_ssm, want_tf", [
    ([1.0, 0.5, 0.0], [2.0, 2.0, 2.0], "holds", "holds"),          # SSM → Bayes, TF flat > 0
    ([3.0, 2.0, 2.0], [2.0, 2.0, 2.0], "fails", "holds"),          # SSM plateaus above tol
    ([6.0, 4.0, 2.0], [3.0, 2.5, 2.0], "inconclusive", "inconclusive"),  # still decreasing
])
def test_consistency_parts(ctx, ssm, lintf, want_ssm, want_tf):
    orc = _oracle()
    parts, details = consistency_vs_bayes(ctx, _rows(orc, ssm, lintf), orc)
    assert parts["ssm-to-bayes"].verdict == want_ssm
    assert parts["lintf-saturates"].verdict == want_tf
    assert details["oracle_check"]["verdict"] == "holds"
    assert set(details["excess_vs_bayes"]) == {16, 128, 1024}


def test_consistency_gated_by_oracle_check_and_test_set(ctx):
    bad = _oracle(z=9.0)
    parts, _ = consistency_vs_bayes(ctx, _rows(bad, [1.0, 0.5, 0.0], [2.0] * 3), bad)
    assert {o.verdict for o in parts.values()} == {"inconclusive"}
    orc = _oracle()
    rows = _rows(orc, [1.0, 0.5, 0.0], [2.0] * 3)
    rows[0]["risk"]["kalman"]["est"] += 1.0
    parts, _ = consistency_vs_bayes(ctx, rows, orc)
    assert "other test tasks" in parts["ssm-to-bayes"].evidence


def test_chunking_and_workers_do_not_change_the_oracle():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 6, 2))
    cfg = SMCConfig(n_particles=200, n_runs=2, n_moves=3)
    a = smc_oracle_on(x, 0, cfg, chunk=3, workers=1)
    b = smc_oracle_on(x, 0, cfg, chunk=1, workers=2)
    assert a["pred"] == b["pred"] and a["n_stages"] == b["n_stages"]
    assert a["log_evidence"] == b["log_evidence"]
