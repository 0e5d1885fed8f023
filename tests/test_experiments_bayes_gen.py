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
    _records(["bayes.exp.lgssm", "bayes.exp.lgssm-sampler-check"], "bayes_lgssm", res, tmp_path)


def test_majority_claim_at_toy_size(tmp_path):
    import empirics.experiments.gen.majority as gm

    cfg = gm.config("quick")
    cfg.update(steps=12, batch=8, test_words=64, seeds=[0, 1], alphas=[-0.1, 0.0, 0.02],
               test_lens=[31, 63])
    res = roundtrip(gm.run(cfg, RunEnv("quick", "cpu", 0, tmp_path / "runs")))
    assert res["n_seeds"] == 2
    rec = _records(["gen.length-generalization"], gm.NAME, res, tmp_path)
    assert "ci95_at_longest" in rec["gen.length-generalization"].details


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
