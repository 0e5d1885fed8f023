"""002's initialisation result as its own experiment: replicate 0 keeps the runs it had in
``dcd_length``; the full profile trains three seeds at two budgets and four noise scales σ
("near the solution" and the budget are unstated); the near-solution and random arms are two
cells of 002's length-table kind, combined over the seeds by the table's one rule (a shorter
reach never refutes; random learning the task does), each σ is read at its longest budget, and
the claim's verdict is the one common to every σ."""
from __future__ import annotations

import pytest

from chasm_theory import Context
from chasm_theory._experiments import RunEnv, planned_seeds
from empirics.engine.runs import TrainRun, is_finished
from empirics.experiments.dcd.length import run_seed, train_cfg
from empirics.experiments.dcd.s3_init import (
    PRIMARY_NOISE,
    _run,
    _runs,
    arm,
    budget_outcome,
    check_init,
    config,
    init_outcome,
    noise_outcome,
)

TOY = {"train_len": 8, "budgets": [20, 30], "batch": 4, "lr": 1e-2, "noises": [0.1, 0.3],
       "test_len": 40, "eval_words": 8, "window": 20, "seeds": [0, 1]}
NEAR = arm(PRIMARY_NOISE)


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_replicate_0_keeps_its_dcd_length_keys(profile):
    """The runs trained as part of dcd_length (same spec and seed) are replicate 0 here."""
    cfg = config(profile)
    steps = cfg["budgets"][0]
    for init, name in (("random", "random"), ("near-solution", NEAR)):
        old = TrainRun({"kind": "aussm2", "init": init, "noise": 0.1},
                       {"name": "group", "group": "S3"}, 60, train_cfg(cfg, steps),
                       "cross_entropy", run_seed(0, "S3-two-layer", init), 0, 0)
        assert _runs(cfg, 0)[f"{name}/{steps}/0"].key == old.key


def test_full_profile_plans_three_seeds_two_budgets_four_noise_scales():
    """Every budget and σ of a replicate starts from the same seed; keys all differ."""
    cfg = config("full")
    assert planned_seeds(cfg) == 3 and planned_seeds(config("quick")) == 1
    runs = _runs(cfg, 0)
    arms = 1 + len(cfg["noises"])
    assert len(cfg["noises"]) == 4 and PRIMARY_NOISE in cfg["noises"]
    assert len({r.key for r in runs.values()}) == 3 * 2 * arms
    assert len({r.seed for r in runs.values()}) == 6  # (random | near) x 3 replicates
    assert {r.replicate for r in runs.values()} == {0, 1, 2}
    assert {r.steps for r in runs.values()} == set(cfg["budgets"]) and len(cfg["budgets"]) == 2
    for x in cfg["noises"]:
        r = runs[f"{arm(x)}/12000/1"]
        assert r.model["noise"] == x and r.seed == runs[f"{NEAR}/3000/1"].seed


def _curve(longest: int) -> dict:
    return {"longest": longest, "before_training": {"longest": 0},
            "lengths": list(range(20, 481, 20))}


def _res(pairs: list[tuple[int, int]], steps: int = 3000, noise: float = PRIMARY_NOISE,
         res: dict | None = None) -> dict:
    """Results with (near-solution, random) longest lengths per seed, added to ``res``."""
    res = res or {"runs": {}, "train_len": 60, "n_seeds": len(pairs), "noises": []}
    for s, (near, rand) in enumerate(pairs):
        res["runs"][f"{arm(noise)}/{steps}/{s}"] = _curve(near)
        res["runs"][f"random/{steps}/{s}"] = _curve(rand)
    if noise not in res["noises"]:
        res["noises"].append(noise)
    return res


@pytest.mark.parametrize("near, rand, verdict", [
    (240, 0, "holds"), (239, 0, "inconclusive"), (99, 0, "inconclusive"), (240, 100, "fails"),
    (500, 99, "holds")])
def test_one_seed_boundaries(near, rand, verdict):
    """Near-solution must reach 4 × 60 = 240 to confirm (a shorter reach, or none, never
    refutes); random reaching 100 refutes."""
    assert budget_outcome(_res([(near, rand)]), PRIMARY_NOISE, 3000).verdict == verdict


@pytest.mark.parametrize("pairs, verdict", [
    ([(240, 0)] * 3, "holds"),
    ([(140, 0)] * 3, "inconclusive"),          # generalises, less far: never a refutation
    ([(240, 0), (140, 0), (240, 0)], "holds"),  # a seed that reaches less far does not refute
    ([(240, 120)] * 3, "fails"),               # random learns the task on every seed
    ([(240, 120), (240, 0), (240, 0)], "inconclusive"),  # the seeds split on the random arm
])
def test_seeds_combine_as_the_length_tables_cells(pairs, verdict):
    out = budget_outcome(_res(pairs), PRIMARY_NOISE, 3000)
    assert out.verdict == verdict
    assert out.measured["near-solution"] == " / ".join(
        "✘" if n < 100 else str(n) for n, _ in pairs)
    if verdict == "fails":
        row = {"paper": "✘", "ours": "120 / 120 / 120"}
        assert out.counterexample == {"random": {"random": row}}
    if pairs == [(140, 0)] * 3:
        assert "a shorter reach never refutes it" in out.to_decide
    if verdict == "inconclusive" and pairs[0][1] == 120:
        assert "seeds split" in out.to_decide


@pytest.mark.parametrize("short, long, verdict", [
    ((140, 0), (240, 0), "holds"),          # reaches 4x only when trained longer
    ((240, 0), (140, 0), "inconclusive"),   # the longest budget decides
    ((240, 0), (240, 120), "fails"),        # random learns the task when trained longer
])
def test_the_longest_budget_decides(short, long, verdict):
    res = _res([long] * 3, 12000, res=_res([short] * 3, 3000))
    out = noise_outcome(res, PRIMARY_NOISE)
    assert out.verdict == verdict
    per = out.details["budgets"]
    assert per["12000"]["verdict"] == verdict
    assert per["3000"]["verdict"] == ("inconclusive" if verdict == "holds" else "holds")


def test_the_noise_scales_must_agree():
    """One σ that holds and one that reaches less far: σ-dependent, inconclusive, both named.
    The random arm does not depend on σ, so random learning the task fails every σ."""
    res = _res([(300, 0)] * 3, 3000, noise=0.01)
    res = _res([(140, 0)] * 3, 3000, noise=0.1, res=res)
    out = init_outcome(res)
    assert out.verdict == "inconclusive"
    assert out.details["holds_on"] == ["σ=0.01"] and out.details["fails_on"] == []
    assert "noise scale" in out.to_decide and out.details["primary"] == "σ=0.1"
    assert "σ=0.01: 3000 steps holds" in out.evidence
    assert "σ=0.1: 3000 steps inconclusive" in out.evidence
    random_learns = _res([(300, 150)] * 3, 3000, noise=0.01)
    out = init_outcome(_res([(140, 150)] * 3, 3000, res=random_learns))
    assert out.verdict == "fails" and out.details["fails_on"] == ["σ=0.01", "σ=0.1"]


def test_toy_end_to_end(tmp_path):
    env = RunEnv("quick", "cpu", 0, tmp_path)
    res = _run(TOY, env)
    assert set(res["runs"]) == {f"{a}/{b}/{s}" for a in ("random", NEAR, arm(0.3))
                                for b in (20, 30) for s in (0, 1)}
    assert all(is_finished(tmp_path, r) for r in _runs(TOY, 0).values())
    for c in res["runs"].values():
        assert c["lengths"] == [20, 40] and all(0.0 <= a <= 1.0 for a in c["accuracy"])
    again = _run(TOY, RunEnv("quick", "cpu", 0, tmp_path, allow_training=False))
    assert again["runs"] == res["runs"]

    class Ctx(Context):
        def experiment(self, name):
            return res

    out = check_init(Ctx(reports_dir=tmp_path))
    assert set(out.details["parts"]) == {"σ=0.1", "σ=0.3"}
    # the convergence note reads the verdict's (longest) budget; per seed
    runs = out.details["convergence"]["runs"]
    assert set(runs) == {f"S3-two-layer/{a}/30 steps" for a in ("random", NEAR, arm(0.3))}
    assert len(runs["S3-two-layer/random/30 steps"]) == 2
    assert out.figures == ["figures/dcd_s3_init_accuracy.png",
                           "figures/dcd_s3_init_training_curves.png"]
    assert all((tmp_path / f).read_bytes()[:4] == b"\x89PNG" for f in out.figures)
