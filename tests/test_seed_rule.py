"""Evaluating from stored models while later replicates still train: the run uses the
replicates complete for every model, and the seed rule withholds trained-model verdicts."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from chasm_theory import Context, experiment, run_experiment
from chasm_theory._experiments import (
    _EXPERIMENTS,
    _MEMO,
    planned_seeds,
    seeds_available,
    trim_seeds,
)
from chasm_theory._record import Outcome
from chasm_theory._registry import _CLAIMS, claim, run_claim
from chasm_theory.report import bucket


def _cfg(profile):
    return {"models": ["a", "b"], "fam": {"x": {"seeds": [0, 1, 2]}}, "seeds": [0, 1, 2]}


def _runs(cfg, seed):
    return [SimpleNamespace(key=f"{m}{r}", replicate=r)
            for m in cfg["models"] for r in cfg["seeds"]]


@pytest.fixture
def toy(tmp_path):
    @experiment("test-seeds", title="toy", config=_cfg, training_runs=_runs)
    def run(cfg, env):
        return {"n_seeds": len(cfg["seeds"]), "value": 1.0}

    @claim("test.seeds.trained", source="toy", statement="toy", kind="empirical",
           experiment="test-seeds")
    def check(ctx):
        res = ctx.experiment("test-seeds")
        return Outcome(verdict="holds", predicted=1.0, measured=res["value"],
                       evidence=f"{res['n_seeds']} seeds", rule="toy")

    @claim("test.seeds.undecided", source="toy", statement="toy", kind="empirical",
           experiment="test-seeds")
    def check_undecided(ctx):
        ctx.experiment("test-seeds")
        return Outcome(verdict="inconclusive", predicted=1.0, measured=None, evidence="",
                       rule="toy", to_decide="about 4× the data")

    models = tmp_path / "runs" / "full" / "models"
    models.mkdir(parents=True)
    yield SimpleNamespace(models=models, exp=_EXPERIMENTS["test-seeds"], root=tmp_path)
    _EXPERIMENTS.pop("test-seeds", None)
    _CLAIMS.pop("test.seeds.trained", None)
    _CLAIMS.pop("test.seeds.undecided", None)
    _MEMO.clear()


def _train(toy, *keys):
    for k in keys:
        (toy.models / f"{k}.pt").write_bytes(b"")


def test_trim_and_count_seeds_reach_nested_lists():
    cfg = _cfg("full")
    assert planned_seeds(cfg) == 3 and planned_seeds({"a": 1}) == 0
    t = trim_seeds(cfg, 1)
    assert t["seeds"] == [0] and t["fam"]["x"]["seeds"] == [0] and t["models"] == ["a", "b"]
    assert cfg["seeds"] == [0, 1, 2]  # the input is not mutated


def test_seeds_available_is_the_largest_complete_prefix(toy):
    cfg, root = _cfg("full"), toy.root / "runs" / "full"
    assert seeds_available(toy.exp, cfg, 0, root) is None  # no replicate complete
    _train(toy, "a0", "b0", "a1")
    assert seeds_available(toy.exp, cfg, 0, root) == {"used": 1, "planned": 3}
    _train(toy, "b1", "b2")
    assert seeds_available(toy.exp, cfg, 0, root) == {"used": 2, "planned": 3}
    _train(toy, "a2")
    assert seeds_available(toy.exp, cfg, 0, root) is None  # nothing missing: the full config


def test_partial_replicates_cap_the_trained_claim_and_full_replicates_decide(toy):
    _train(toy, "a0", "b0")
    ctx = Context(profile="full", reports_dir=toy.root, allow_training=False)
    doc = run_experiment("test-seeds", ctx)
    assert doc["seeds"] == {"used": 1, "planned": 3} and doc["results"]["n_seeds"] == 1
    rec = run_claim("test.seeds.trained", ctx).to_dict()
    assert rec["verdict"] == "inconclusive" and bucket(rec) == "few-seeds"
    assert rec["details"]["verdict_at_this_budget"] == "holds"
    assert "1 of 3" in rec["evidence"] and rec["runs"][0]["seeds_used"] == 1
    assert "test-seeds: 2 more seed(s), 3 planned" in rec["to_decide"]
    und = run_claim("test.seeds.undecided", ctx).to_dict()  # undecided: the seeds come first
    assert und["to_decide"].startswith("the remaining training replicates (test-seeds: ")
    assert und["to_decide"].endswith("on these seeds: about 4× the data")
    assert und["details"] == {"to_decide_first": "the remaining seeds first",
                              "to_decide_at_hand": "about 4× the data"}
    _train(toy, "a1", "b1", "a2", "b2")
    _MEMO.clear()
    rec = run_claim("test.seeds.trained", Context(profile="full", reports_dir=toy.root,
                                                  allow_training=False)).to_dict()
    assert rec["verdict"] == "holds" and "seeds_used" not in rec["runs"][0]


def test_training_summary_counts_runs_seeds_and_hours(toy):
    import json

    from chasm_theory._training_status import training_summary
    from chasm_theory.report._front import training_lines

    def stored(key, **prov):
        (toy.models / f"{key}.pt").write_bytes(b"")
        (toy.models / f"{key}.json").write_text(json.dumps(
            {"provenance": {"device": "cpu", "device_name": "x86_64", "threads": 1, **prov}}))

    stored("a0", train_wall_s=1800.0, wall_s=1900.0)
    stored("b0", wall_s=3600.0, resumed_from=200)  # resumed, earlier segments not recorded
    stored("a1", train_wall_s=360.0)
    rows, total = training_summary("full", toy.root)
    row = next(r for r in rows if r["experiment"] == "test-seeds")
    assert row == {"experiment": "test-seeds", "runs": 6, "trained": 3, "seeds_planned": 3,
                   "seeds_complete": 1, "train_hours": 1.6, "hours_lower_bound": True,
                   "devices": ["cpu (x86_64, 1 thread)"]}
    # every registered experiment, a run's key counted once (the real ones are untrained here)
    assert total["trained"] == 3 and total["runs"] >= 6
    text = "\n".join(training_lines([row], total, "full"))
    assert "| test-seeds | 3/6 | 1/3 | ≥ 1.60 | cpu (x86_64, 1 thread) |" in text
    assert f"3 of {total['runs']} training runs" in text


def test_figures_show_the_seed_capped_verdict():
    from empirics.engine.figures import label, shown

    ctx = Context(profile="full")
    assert shown(ctx, "fails") == ("fails", None)
    ctx.runs_read = [{"experiment": "x", "seeds_used": 1, "seeds_planned": 3}]
    assert shown(ctx, "fails") == ("inconclusive", "fails")
    assert label(ctx, "holds") == "inconclusive (on these seeds: holds)"
    assert shown(ctx, "holds", trained=False) == ("holds", None)
    assert label(Context(profile="quick"), "fails") == "inconclusive (at this budget: fails)"


def test_a_run_on_more_replicates_removes_the_ones_it_supersedes(toy):
    runs = toy.root / "runs" / "full"
    _train(toy, "a0", "b0")
    ctx = Context(profile="full", reports_dir=toy.root, allow_training=False)
    assert run_experiment("test-seeds", ctx)["seeds"]["used"] == 1
    one = sorted(runs.glob("test-seeds-*.json"))
    _train(toy, "a1", "b1")
    _MEMO.clear()
    assert run_experiment("test-seeds", ctx)["seeds"]["used"] == 2
    two = sorted(runs.glob("test-seeds-*.json"))
    assert len(one) == len(two) == 1 and one != two  # the 1-seed run is gone
    other_seed = Context(profile="full", reports_dir=toy.root, allow_training=False, seed=7)
    _MEMO.clear()
    assert run_experiment("test-seeds", other_seed)["seeds"]["used"] == 2  # base seed 7's run
    _train(toy, "a2", "b2")
    _MEMO.clear()
    doc = run_experiment("test-seeds", ctx)
    assert "seeds" not in doc and doc["results"]["n_seeds"] == 3
    kept = sorted(p.name for p in runs.glob("test-seeds-*.json"))
    assert len(kept) == 2 and f"test-seeds-{doc['config_hash']}.json" in kept  # + seed 7's


def test_experiments_listing_names_a_run_on_fewer_seeds(toy):
    from chasm_theory._cli_output import cached_cost

    _train(toy, "a0", "b0")
    ctx = Context(profile="full", reports_dir=toy.root, allow_training=False)
    run_experiment("test-seeds", ctx)
    assert cached_cost(toy.root, toy.exp, "full", 0).endswith("(1 of 3 seeds)")
