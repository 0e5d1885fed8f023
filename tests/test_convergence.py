"""The convergence rule read from a run's held-out curve, its evidence sentence and figure, and
the hierarchical bootstrap of means that the pooled intervals use."""
from __future__ import annotations

import numpy as np
import pytest

from chasm_theory import Context
from chasm_theory._record import Outcome
from chasm_theory.stats import hier_ci, seeds_boot_means
from empirics.engine import convergence as cv


def summary(held: list[float], steps: int = 100) -> dict:
    pts = [[steps * (i + 1) // len(held), v] for i, v in enumerate(held)]
    return {"steps": steps, "heldout_curve": pts, "curve": pts}


def test_change_is_measured_over_the_last_quarter_only():
    # logged at 25, 50, 75, 100: the last quarter holds steps 75 and 100
    assert cv.heldout_change([[25, 9.0], [50, 4.0], [75, 2.0], [100, 1.9]], 100) == \
        pytest.approx(-0.05)
    assert cv.heldout_change([[50, 2.0], [100, 1.0]], 100) is None  # one point in the quarter


@pytest.mark.parametrize(("held", "want"), [
    ([5.0, 2.0, 1.0, 0.995], "settled"),
    ([5.0, 2.0, 1.0, 0.98], "still improving"),
    ([5.0, 2.0, 1.0, 1.02], "rising"),
    ([5.0, 2.0], "unknown"),
])
def test_status_follows_the_one_percent_rule(held, want):
    assert cv.status(summary(held))[0] == want


def test_the_precomputed_change_of_a_summary_is_used():
    s = {**summary([5.0, 2.0, 1.0, 0.98]), "heldout_rel_change_last_quarter": 0.001}
    assert cv.status(s) == ("settled", 0.001)


def test_note_lists_the_models_and_seeds_that_did_not_settle():
    summ = {"ssm": [summary([3, 2, 1, 1.0]), summary([3, 2, 1, 0.9])],
            "tf": [summary([3, 2, 1, 1.0])]}
    text = cv.note(summ, "full")
    assert "not converged at the papers' budget" in text and "ssm seed 1" in text
    assert "tf seed" not in text
    assert cv.not_converged(summ) == ["ssm"]
    ok = {"tf": [summary([3, 2, 1, 1.0])]}
    assert "every run settled at the papers' budget" in cv.note(ok, "full")
    assert "quick-profile" in cv.note(ok, "quick")


def test_attach_adds_note_details_and_figure(tmp_path):
    summ = {"ssm": [summary([3, 2, 1, 0.5])]}
    out = Outcome("holds", 1, 1, "measured.", figures=["figures/a.png"])
    ctx = Context(reports_dir=tmp_path)
    fig = cv.curves_figure(ctx, summ, "toy_training_curves", "toy")
    got = cv.attach(out, summ, "quick", fig)
    assert got.verdict == "holds" and got.evidence.startswith("measured. Convergence (")
    assert got.figures == ["figures/a.png", "figures/toy_training_curves.png"]
    assert got.details["convergence"]["not_converged"] == ["ssm"]
    assert (tmp_path / fig).read_bytes()[:4] == b"\x89PNG"
    # the same curves give the same bytes
    first = (tmp_path / fig).read_bytes()
    cv.curves_figure(ctx, summ, "toy_training_curves", "toy")
    assert (tmp_path / fig).read_bytes() == first


def test_a_second_attach_adds_its_runs_to_the_first():
    out = Outcome("holds", 1, 1, "measured.")
    first = cv.attach(out, {"ssm": [summary([3, 2, 1, 0.5])]}, "full")
    both = cv.attach(first, {"lawB/ssm": [summary([3, 2, 1, 1.0])],
                             "lawB/tf": [summary([3, 2, 1, 0.5])]}, "full")
    conv = both.details["convergence"]
    assert set(conv["runs"]) == {"ssm", "lawB/ssm", "lawB/tf"}  # the first runs are kept
    assert conv["not_converged"] == ["ssm", "lawB/tf"]


def test_seeds_boot_means_matches_hier_ci_and_keeps_trailing_axes_paired():
    v = np.random.default_rng(1).normal(size=(3, 50))
    q = np.quantile(seeds_boot_means(v, seed=4), [0.025, 0.975])
    c = hier_ci(v, seed=4)
    assert q == pytest.approx([c["lo"], c["hi"]])
    # trailing axis: identical columns stay identical in every replicate
    w = np.repeat(v[..., None], 2, axis=-1)
    b = seeds_boot_means(w, n_boot=64)
    assert b.shape == (64, 2) and np.array_equal(b[:, 0], b[:, 1])


def test_strata_share_the_seed_draws():
    """Two strata whose values are a per-seed constant: every replicate picks the same seeds
    for both, so their replicate means are equal; independent strata would not be."""
    seeds = np.array([[0.0], [10.0], [20.0]])
    a, b = np.repeat(seeds, 5, axis=1), np.repeat(seeds, 7, axis=1)
    ra, rb = seeds_boot_means([a, b], n_boot=100)
    assert np.array_equal(ra, rb) and ra.std() > 0
    one = seeds_boot_means(np.arange(6.0)[None], n_boot=100)  # one seed: units only
    assert one.std() > 0
