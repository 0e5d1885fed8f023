"""001 §5.1 (bayes_lgssm) and 003's majority task end to end at toy size with two training
seeds: every claim's check runs, states its seed count, and carries the convergence note and
the training-curves figure; the majority interval resamples seeds, then test words."""
from __future__ import annotations

import copy

import numpy as np

from chasm_theory import Context
from chasm_theory._codec import roundtrip
from chasm_theory._experiments import RunEnv
from chasm_theory._record import VERDICTS
from chasm_theory._registry import all_claims, run_claim
from chasm_theory.errors import NotRunError

TOY_TRAIN = {"steps": 4, "batch": 2, "warmup": 0, "log_every": 1, "checkpoint_every": 2}


class StubCtx(Context):
    results: dict = {}

    def experiment(self, name):
        if name not in self.results:  # as a cached-only context: that run does not exist
            raise NotRunError(f"no run of {name}")
        return self.results[name]


def _records(ids: list[str], name: str, res: dict, tmp_path) -> dict:
    ctx = StubCtx(reports_dir=tmp_path)
    ctx.results = {name: res}
    out = {}
    for cid in ids:
        rec = run_claim(cid, ctx)
        assert rec.verdict in VERDICTS and rec.verdict != "error", (cid, rec.evidence,
                                                                     rec.details)
        for f in rec.figures:
            assert (tmp_path / f).is_file(), (cid, f)
        if all_claims()[cid].trained:
            conv = rec.details["convergence"]
            assert all(len(rows) == 2 for rows in conv["runs"].values())
            assert f"figures/{name}_training_curves.png" in rec.figures
            assert "2 training seeds" in rec.evidence or "the 2 training seeds" in rec.evidence
        out[cid] = rec
    return out


def test_bayes_lgssm_claims_at_toy_size(tmp_path):
    import empirics.experiments.bayes.lgssm as bl

    cfg = copy.deepcopy(bl._config("quick"))
    cfg["train"] = {**cfg["train"], **TOY_TRAIN}
    cfg.update(n_tasks=[16], n_test=12, seeds=[0, 1], M=40,
               check={"n_seq": 4, "M": 40, "n_grid": 20})
    res = roundtrip(bl.run(cfg, RunEnv("quick", "cpu", 0, tmp_path / "runs")))
    units = np.asarray(res["eval"]["units_excess_vs_kalman_per_seed"]["ssm"])
    assert units.shape == (2, 12)
    np.testing.assert_allclose(units.mean(0), res["eval"]["units_excess_vs_kalman"]["ssm"],
                               atol=1e-6)
    recs = _records(["bayes.exp.lgssm", "bayes.exp.lgssm-sampler-check"], "bayes_lgssm", res,
                    tmp_path)
    assert set(recs["bayes.exp.lgssm"].details["learned"]) == {"ssm"}  # the learned rule's check


def test_majority_claim_at_toy_size(tmp_path):
    import empirics.experiments.gen.majority as gm

    cfg = gm.config("quick")
    cfg.update(steps=12, batch=8, test_words=64, seeds=[0, 1], alphas=[-0.1, 0.0, 0.02],
               test_lens=[31, 63])
    res = roundtrip(gm.run(cfg, RunEnv("quick", "cpu", 0, tmp_path / "runs")))
    assert res["n_seeds"] == 2
    rec = _records(["gen.length-generalization"], gm.NAME, res, tmp_path)
    assert "ci95_at_longest" in rec["gen.length-generalization"].details
    assert set(rec["gen.length-generalization"].details["learned"]) == {"α=0"}  # favoured: α = 0


def test_majority_interval_resamples_seeds_then_words():
    """Two seeds at accuracies 0.6 and 0.8: the seed-mean interval is far wider than the
    word-only interval of one seed at 0.7 (the seed variation is in it), and a seed's words
    alone give the binomial spread."""
    from empirics.experiments.gen.majority import accuracy_replicates

    rng = np.random.default_rng(0)
    two = accuracy_replicates([0.6, 0.8], 100_000, rng)
    one = accuracy_replicates([0.7], 100_000, rng)
    assert abs(two.mean() - 0.7) < 0.01 and two.std() > 20 * one.std()
    assert abs(one.std() - (0.21 / 100_000) ** 0.5) < 3e-4


# ----------------------------------------------------------------------------- learned rule

def test_zero_predictor_risks_match_the_held_out_sequences():
    """The exact zero-predictor risk per held-out task (from each task's law) against the mean
    square of the held-out targets x_{k+1} the evaluation draws (test_set), within 5 s.e."""
    import empirics.engine.bayes as eb

    x, _ = eb.test_set({"n_test": 2000}, 0)
    sq = (x[:, eb.BAYES_CONTEXT] ** 2).sum(-1)  # (n,) squared norms of the targets
    d = sq - eb.zero_predictor_risks(2000, 0)
    assert abs(d.mean()) < 5 * d.std() / np.sqrt(d.size)
    np.testing.assert_array_equal(eb.zero_predictor_risks(5, 0), eb.zero_predictor_risks(9, 0)[:5])


def _ci(est: float, half: float) -> dict:
    return {"est": est, "lo": est - half, "hi": est + half, "level": 0.95}


def _lgssm_result(ssm_risk: float) -> dict:
    """A bayes_lgssm result in which the SSM beats the LinTF by a clear margin (difference CI
    [1, 3]) and matches the IS oracle, the SSM's risk CI ±1 around ``ssm_risk``."""
    risk = {"kalman": _ci(5.0, 0.5), "bayes_is": _ci(6.0, 0.5), "ssm": _ci(ssm_risk, 1.0),
            "lintf": _ci(ssm_risk + 2.0, 1.0)}
    return {"n_tasks": 16, "n_seeds": 1,
            "eval": {"n_test": 12, "M": 40, "ess_median": 80.0, "risk": risk,
                     "diff_lintf_minus_ssm": _ci(2.0, 1.0),
                     "excess_vs_bayes": {"ssm": _ci(0.0, 0.05), "lintf": _ci(2.0, 1.0)}}}


def test_lgssm_comparison_needs_a_learned_ssm():
    """SSM < LinTF is decided only when the SSM's risk CI is below the zero predictor's risk;
    otherwise that part is inconclusive, its verdict kept; the record carries the check."""
    from empirics.experiments.bayes.lgssm import lgssm_outcome

    ok = lgssm_outcome(_lgssm_result(8.0), zero_risk=12.0)
    assert ok.details["learned"]["ssm"]["verdict"] == "holds"
    assert ok.details["learned"]["ssm"]["baseline"] == 12.0
    assert ok.details["parts"]["ssm-beats-lintf"]["verdict"] == "holds"
    capped = lgssm_outcome(_lgssm_result(12.5), zero_risk=12.0)
    part = capped.details["parts"]["ssm-beats-lintf"]
    assert capped.details["learned"]["ssm"]["verdict"] == "inconclusive"
    assert part["verdict"] == "inconclusive"
    assert part["details"]["verdict_if_learned"] == "holds"
    assert "ssm must beat its baseline" in part["to_decide"]
    worse = lgssm_outcome(_lgssm_result(20.0), zero_risk=12.0)  # on the wrong side
    assert worse.details["learned"]["ssm"]["verdict"] == "fails"
    assert worse.details["parts"]["ssm-beats-lintf"]["verdict"] == "inconclusive"


def _thm1_rows(ssm_risk_last: float) -> list[dict]:
    """bayes_thm1 rows (N = 16, 1024) whose SSM excess drops and stays below the LinTF's."""
    rng = np.random.default_rng(0)
    rows = []
    for N, es, el, risk in ((16, 3.0, 4.0, 14.0), (1024, 1.0, 3.0, ssm_risk_last)):
        u = {"ssm": (es + rng.normal(0, 0.3, 200)).tolist(),
             "lintf": (el + rng.normal(0, 0.3, 200)).tolist()}
        rows.append({"N": N, "n_test": 200, "units_excess_vs_kalman": u,
                     "excess_vs_kalman": {n: _ci(float(np.mean(v)), 0.1) for n, v in u.items()},
                     "risk": {"ssm": _ci(risk, 0.5)}})
    return rows


def test_thm1_trend_needs_a_learned_ssm_at_the_largest_n():
    from empirics.experiments.bayes.thm1 import trend_outcome

    ok = trend_outcome(_thm1_rows(8.0), 12.0)
    assert ok.verdict == "holds"
    assert ok.details["learned"]["ssm (N = 1024)"]["verdict"] == "holds"
    capped = trend_outcome(_thm1_rows(12.2), 12.0)
    assert capped.verdict == "inconclusive" and capped.details["verdict_if_learned"] == "holds"
    assert capped.details["learned"]["ssm (N = 1024)"]["verdict"] == "inconclusive"
    assert {p["verdict"] for p in capped.details["parts"].values()} == {"holds"}


def test_best_constant_accuracy_matches_monte_carlo():
    """The best constant guess's accuracy under the majority test law, exact, against sampled
    words (labels as accuracy_at makes them), within 5 s.e.; 1/2 at every odd length."""
    from empirics.experiments.gen.majority import best_constant_accuracy

    rng = np.random.default_rng(0)
    for T in (1, 4, 6, 31, 1023):
        y = (rng.choice([-1, 1], size=(100_000, T)).sum(1) > 0)
        want = max(y.mean(), 1 - y.mean())
        assert abs(best_constant_accuracy(T) - want) < 5 * np.sqrt(want * (1 - want) / y.size)
    assert best_constant_accuracy(4) == 11 / 16 and best_constant_accuracy(1023) == 0.5


def test_majority_ordering_needs_the_favoured_models_to_beat_chance(tmp_path):
    """acc(α = 0) above the others, but at the longest length below chance: the ordering
    (which favours α = 0) is inconclusive, its verdict kept; above chance, it is decided."""
    import empirics.experiments.gen.majority as gm

    cfg = gm.config("quick")
    cfg.update(steps=12, batch=4, test_words=16, seeds=[0, 1], alphas=[-0.1, 0.0, 0.02],
               test_lens=[31, 63])
    res = roundtrip(gm.run(cfg, RunEnv("quick", "cpu", 0, tmp_path / "runs")))

    def record(acc0: float):
        r = copy.deepcopy(res)
        for key, a in (("-0.100", 0.30), ("+0.000", acc0), ("+0.020", 0.20)):
            r[key]["accuracy_per_seed"] = [[0.9, a], [0.9, a]]
            r[key]["accuracy"] = [0.9, a]
        return _records(["gen.length-generalization"], gm.NAME, r,
                        tmp_path)["gen.length-generalization"]

    low = record(0.45)
    assert low.details["learned"]["α=0"]["verdict"] == "fails"
    assert low.details["learned"]["α=0"]["baseline"] == 0.5
    assert low.details["verdict_if_learned"] == "holds"
    assert low.verdict == "inconclusive" and "α=0 must beat its baseline" in low.to_decide
    high = record(0.8)
    assert high.details["learned"]["α=0"]["verdict"] == "holds"
    assert "verdict_if_learned" not in high.details
