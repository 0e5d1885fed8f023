"""002's initialisation result as its own experiment: replicate 0 keeps the runs it had in
``dcd_length``, the full profile trains three seeds at two budgets, the verdict over the seeds
is the common per-seed verdict (a split is inconclusive) and the longest budget's verdict is
the claim's."""
from __future__ import annotations

import pytest

from chasm_theory import Context
from chasm_theory._experiments import RunEnv, planned_seeds
from empirics.engine.runs import TrainRun, is_finished
from empirics.experiments.dcd.length import run_seed, train_cfg
from empirics.experiments.dcd.s3_init import (
    _run,
    _runs,
    budget_outcome,
    check_init,
    config,
    init_outcome,
    seed_outcome,
)

TOY = {"train_len": 8, "budgets": [20, 30], "batch": 4, "lr": 1e-2, "noise": 0.1, "test_len": 40,
       "eval_words": 8, "window": 20, "seeds": [0, 1]}


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_replicate_0_keeps_its_dcd_length_keys(profile):
    """The runs trained as part of dcd_length (same spec and seed) are replicate 0 here."""
    cfg = config(profile)
    for init in ("random", "near-solution"):
        steps = cfg["budgets"][0]
        old = TrainRun({"kind": "aussm2", "init": init, "noise": 0.1},
                       {"name": "group", "group": "S3"}, 60, train_cfg(cfg, steps),
                       "cross_entropy", run_seed(0, "S3-two-layer", init), 0, 0)
        assert _runs(cfg, 0)[f"{init}/{steps}/0"].key == old.key


def test_full_profile_plans_three_seeds_at_two_budgets():
    """Every (init, seed) pair is trained at each budget from the same seed; keys differ."""
    cfg = config("full")
    assert planned_seeds(cfg) == 3 and planned_seeds(config("quick")) == 1
    runs = _runs(cfg, 0)
    assert len({r.key for r in runs.values()}) == 12 and len({r.seed for r in runs.values()}) == 6
    assert {r.replicate for r in runs.values()} == {0, 1, 2}
    assert {r.steps for r in runs.values()} == set(cfg["budgets"]) and len(cfg["budgets"]) == 2
    for init in ("random", "near-solution"):
        assert runs[f"{init}/3000/1"].seed == runs[f"{init}/12000/1"].seed


def _curve(longest: int) -> dict:
    return {"longest": longest, "before_training": {"longest": 0}}


def _res(pairs: list[tuple[int, int]], steps: int = 3000) -> dict:
    runs = {}
    for s, (near, rand) in enumerate(pairs):
        runs[f"near-solution/{steps}/{s}"] = _curve(near)
        runs[f"random/{steps}/{s}"] = _curve(rand)
    return {"runs": runs, "train_len": 60, "n_seeds": len(pairs)}


@pytest.mark.parametrize("near, rand, verdict", [
    (240, 0, "holds"), (239, 0, "fails"), (240, 100, "fails"), (500, 99, "holds")])
def test_seed_rule_boundaries(near, rand, verdict):
    """Near-solution must reach 4 × 60 = 240; random must stay below 100."""
    assert seed_outcome(_curve(near), _curve(rand), 60).verdict == verdict


@pytest.mark.parametrize("pairs, verdict", [
    ([(240, 0)] * 3, "holds"),
    ([(140, 0)] * 3, "fails"),
    ([(240, 0), (140, 0), (240, 0)], "inconclusive"),
])
def test_verdict_over_seeds_is_the_common_one(pairs, verdict):
    out = budget_outcome(_res(pairs), 3000)
    assert out.verdict == verdict
    if verdict == "inconclusive":
        assert "seeds split" in out.to_decide
        assert out.details["fails_on"] == ["seed 1"]
    if verdict == "fails":
        assert out.counterexample == {"seed 0": {"near-solution_longest": 140,
                                                 "random_longest": 0}}


@pytest.mark.parametrize("short, long, verdict", [
    ((140, 0), (240, 0), "holds"),    # reaches 4x only when trained longer
    ((240, 0), (140, 0), "fails"),    # the longest budget decides both ways
    ((240, 0), (240, 120), "fails"),  # random learns the task when trained longer
])
def test_the_longest_budget_decides(short, long, verdict):
    res = _res([short] * 3, 3000)
    res["runs"].update(_res([long] * 3, 12000)["runs"])
    out = init_outcome(res)
    assert out.verdict == verdict
    per = out.details["budgets"]
    assert per["12000"]["verdict"] == verdict
    assert per["3000"]["verdict"] == ("fails" if verdict == "holds" else "holds")
    assert "3000 steps" in out.evidence and "read at 12000" in out.evidence


def test_toy_end_to_end(tmp_path):
    env = RunEnv("quick", "cpu", 0, tmp_path)
    res = _run(TOY, env)
    assert set(res["runs"]) == {f"{i}/{b}/{s}" for i in ("random", "near-solution")
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
    # the convergence note reads the verdict's (longest) budget; per seed
    assert set(out.details["convergence"]["runs"]) == {"S3-two-layer/random/30 steps",
                                                       "S3-two-layer/near-solution/30 steps"}
    assert len(out.details["convergence"]["runs"]["S3-two-layer/random/30 steps"]) == 2
    assert out.figures == ["figures/dcd_s3_init_accuracy.png",
                           "figures/dcd_s3_init_training_curves.png"]
    assert all((tmp_path / f).read_bytes()[:4] == b"\x89PNG" for f in out.figures)
