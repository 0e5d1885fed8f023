"""dcd_length's new rows (Simple AUSSM under both readings; C2 × C4 with one and two Negative
Mamba layers): declared as training runs for the scheduler, trained and evaluated end to end at
toy size, judged by the table's one cell rule."""
from __future__ import annotations

import numpy as np
import pytest

from chasm_theory import Context
from chasm_theory._experiments import RunEnv
from empirics.engine.runs import TrainRun, is_finished
from empirics.engine.scheduler import collect
from empirics.experiments.dcd.length import (
    _cell_run,
    _run,
    _runs,
    cell_outcome,
    check_table,
    config,
    hash_str,
    seeds_outcome,
    train_cfg,
)
from empirics.experiments.dcd.length_figures import at_chance
from empirics.experiments.dcd.length_rows import (
    ablation_outcome,
    check_ablation,
    check_simple_aussm_scalar,
    column_outcome,
)

TOY = {"groups": ["C2"], "models": ["neg", "simple-aussm", "simple-aussm-scalar"],
       "train_len": 8, "steps": 20, "batch": 4, "lr": 1e-2, "test_len": 40, "eval_words": 8,
       "window": 20, "seeds": [0, 1],
       "ablation": {"group": "C2xC4", "models": ["neg", "neg-2layer"]}}


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_new_rows_are_training_runs_of_the_profile(profile):
    cfg = config(profile)
    labels = {p.run.label for p in collect(profile, only=["dcd_length"])}
    for g in cfg["groups"]:
        assert {f"dcd_length/{g}-simple-aussm", f"dcd_length/{g}-simple-aussm-scalar"} <= labels
    assert {"dcd_length/C2xC4-neg", "dcd_length/C2xC4-neg-2layer"} <= labels
    kinds = {r.label: r.model for rs in _runs(cfg, 0).values() for r in rs}
    assert kinds["dcd_length/C2xC4-neg-2layer"]["kind"] == "diag2"
    assert kinds["dcd_length/C2-simple-aussm-scalar"] == {"kind": "simple_aussm", "n": 2,
                                                          "delta": "scalar"}


def test_existing_cells_keep_their_keys():
    """The old columns' runs are unchanged by the new ones (same spec, seed and key)."""
    cfg = config("quick")
    seed = int(np.random.SeedSequence([abs(hash_str(p)) for p in ("0", "C2", "neg")])
               .generate_state(1)[0])
    old = TrainRun({"kind": "tracker", "model": "neg", "n": 2}, {"name": "group", "group": "C2"},
                   60, train_cfg(cfg, cfg["steps"]), "cross_entropy", seed, 0, 0)
    assert _cell_run(cfg, 0, "C2", "neg").key == old.key
    assert _runs(config("full"), 0)["C2/neg"][0].key == _cell_run(config("full"), 0, "C2",
                                                                   "neg").key


def test_full_profile_trains_three_seeds_per_cell():
    runs = _runs(config("full"), 0)
    assert all(len(rs) == 3 and [r.replicate for r in rs] == [0, 1, 2] for rs in runs.values())
    assert all(len({r.seed for r in rs}) == 3 for rs in runs.values())
    assert all(len(rs) == 1 for rs in _runs(config("quick"), 0).values())

def test_toy_end_to_end(tmp_path):
    env = RunEnv("quick", "cpu", 0, tmp_path)
    res = _run(TOY, env)
    assert set(res["cells"]) == {"C2/neg", "C2/simple-aussm", "C2/simple-aussm-scalar"}
    assert set(res["ablation"]) == {"C2xC4/neg", "C2xC4/neg-2layer"}
    for c in [*res["cells"].values(), *res["ablation"].values()]:
        assert c["lengths"] == [20, 40] and len(c["accuracy"]) == len(c["longest"]) == 2
        assert all(0.0 <= a <= 1.0 for acc in c["accuracy"] for a in acc)
    assert all(is_finished(tmp_path, r) for rs in _runs(TOY, 0).values() for r in rs)
    # cached: the same results without training
    again = _run(TOY, RunEnv("quick", "cpu", 0, tmp_path, allow_training=False))
    assert again["ablation"] == res["ablation"] and again["cells"] == res["cells"]
    col = column_outcome(res, "simple-aussm", "reading")
    assert set(col.details["parts"]) == {"C2/simple-aussm"}
    assert col.verdict in ("holds", "fails", "inconclusive")
    ab = ablation_outcome(res)
    assert set(ab.details["parts"]) == {"C2xC4/neg", "C2xC4/neg-2layer"}
    assert ablation_outcome({"cells": {}}).verdict == "not-run"
    ctx = _Ctx(res, tmp_path)
    table = check_table(ctx)  # the table claim: the column, not its second reading
    assert set(table.details["parts"]) == {"C2/neg", "C2/simple-aussm"}
    # convergence on record: the runs each record reads, statuses per run, the curves figure
    conv = table.details["convergence"]
    assert set(conv["runs"]) == {"C2/neg", "C2/simple-aussm"}
    assert "Convergence (4 training runs" in table.evidence  # 2 cells x 2 seeds
    assert table.figures == ["figures/dcd_length_accuracy.png",
                             "figures/dcd_length_training_curves.png"]
    assert all((tmp_path / f).read_bytes()[:4] == b"\x89PNG" for f in table.figures)
    assert "training" not in table.details["curves"]["C2/neg"]
    ab = check_ablation(ctx)
    assert set(ab.details["convergence"]["runs"]) == {"ablation/C2xC4/neg",
                                                      "ablation/C2xC4/neg-2layer"}
    col = check_simple_aussm_scalar(ctx)
    assert set(col.details["convergence"]["runs"]) == {"C2/simple-aussm-scalar"}


class _Ctx(Context):
    """A Context whose experiment results are given."""

    def __init__(self, res, reports_dir):
        super().__init__(reports_dir=reports_dir)
        self.res = res

    def experiment(self, name):
        return self.res


def test_at_chance_rule():
    """At chance = every window up to the training length within 0.05 of 1/|G|; what happens
    beyond the training length does not matter."""
    curve = {"lengths": [20, 40, 60, 80], "accuracy": [0.52, 0.47, 0.54, 0.99]}
    assert at_chance(curve, 2, 60)
    assert not at_chance({**curve, "accuracy": [0.52, 0.47, 0.56, 0.5]}, 2, 60)
    assert not at_chance(curve, 6, 60)  # 1/6: these accuracies are far above chance


@pytest.mark.parametrize("ours, paper, cap, verdict", [
    (0, None, 500, "holds"),         # both ✘
    (500, 160, 500, "holds"),        # generalises at least as far (cap reached)
    (200, 160, 500, "holds"),        # further than the paper
    (120, 360, 500, "inconclusive"),  # generalises, less far than reported
    (60, 360, 500, "inconclusive"),   # ours does not learn at this budget
    (140, None, 500, "fails"),       # ours generalises where the paper reports ✘
])
def test_cell_rule(ours, paper, cap, verdict):
    out = cell_outcome("G/m", ours, paper, cap)
    assert out.verdict == verdict
    if verdict == "fails":
        assert out.counterexample == {"G/m": {"paper": "✘", "ours": str(ours)}}
    assert seeds_outcome("G/m", [ours], paper, cap).verdict == verdict  # one seed: the same


@pytest.mark.parametrize("ours, paper, verdict", [
    ([500, 60, 0], 360, "holds"),        # one seed confirms; failures to learn never refute
    ([60, 0, 120], 360, "inconclusive"),  # no seed reaches the paper's 360
    ([0, 0, 0], None, "holds"),          # every seed ✘, as the paper
    ([140, 0, 0], None, "inconclusive"),  # the seeds split on a ✘ cell
    ([140, 200, 500], None, "fails"),    # every seed generalises where the paper reports ✘
])
def test_seeds_rule(ours, paper, verdict):
    out = seeds_outcome("G/m", ours, paper, 500)
    assert out.verdict == verdict
    assert out.measured == " / ".join("✘" if o < 100 else ("≥500" if o >= 500 else str(o))
                                      for o in ours)
    if verdict == "fails":
        assert out.counterexample == {"G/m": {"paper": "✘", "ours": out.measured}}
    if verdict == "inconclusive":
        assert out.to_decide
