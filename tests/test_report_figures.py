"""Figure helpers: infinite CI ends never reach matplotlib's arithmetic, PNGs are reproducible."""
import math
import warnings

import numpy as np

from chasm_theory import _figures as F


def _fig_with_infinite_ci(log: bool):
    fig, ax = F.new_figure()
    if log:
        ax.set_yscale("log")
    F.ci_bars(ax, [0, 1, 2], [0.5, 2.0, math.nan], [-0.1, 1.0, 0.2], [math.inf, 3.0, "inf"],
              label="ours")
    F.mark_paper(ax, [0, 1, 2], [48.7, "–", 10.3])
    F.verdict_title(ax, "Table 1", "inconclusive", "fails")
    return fig, ax


def test_infinite_ci_ends_are_marked_not_computed():
    for log in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig, ax = _fig_with_infinite_ci(log)
            data = F.png_bytes(fig)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        texts = [t.get_text() for t in ax.texts]
        assert "∞" in texts  # the open upper end is labelled
        for coll in ax.collections:  # every drawn segment is finite
            for seg in coll.get_segments():
                assert np.isfinite(seg).all()


def test_title_carries_the_verdict_and_paper_values_are_plotted():
    fig, ax = _fig_with_infinite_ci(False)
    assert ax.get_title().endswith("inconclusive (at this budget: fails)")
    paper = [ln for ln in ax.lines if ln.get_label() == "paper"]
    assert len(paper) == 1 and list(paper[0].get_ydata()) == [48.7, 10.3]
    F.png_bytes(fig)


def test_png_bytes_are_reproducible_and_untagged():
    a = F.png_bytes(_fig_with_infinite_ci(True)[0])
    b = F.png_bytes(_fig_with_infinite_ci(True)[0])
    assert a == b and b"Software" not in a and b"Matplotlib" not in a


def test_log_floor_hides_rounding_noise():
    fig, ax = F.new_figure()
    ax.set_yscale("log")
    ax.plot([1, 2, 3], F.clip_floor([1e-3, 1e-15, -2e-16], 1e-12))
    F.log_floor(ax, 1e-12)
    assert ax.get_ylim()[0] >= 1e-12
    F.png_bytes(fig)


def test_ci_band_skips_open_ends_and_at_chance_is_detected():
    fig, ax = F.new_figure()
    assert F.ci_band(ax, [1, 2, 3], [0.1, -math.inf, 0.2], [0.3, 0.4, math.inf]) is True
    assert F.is_at_chance([0.5, 0.51, "nan"], 0.5, 0.02) and not F.is_at_chance([0.9], 0.5, 0.02)
    F.at_chance(ax, level=0.5)
    assert any("at chance" in t.get_text() for t in ax.texts)
    F.png_bytes(fig)
