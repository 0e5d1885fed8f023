"""The parameter-count rule (chasm_theory.claims._count_rule) and the closed-form counts of
empirics.experiments.chasm.params_readings against built models."""

import itertools

import pytest

from chasm_theory.claims._count_rule import judge_count, pe_rows_domain, tolerance_window
from chasm_theory.errors import ValidationError
from empirics.experiments.chasm.params_lg import ssm_variant_count
from empirics.experiments.chasm.params_readings import mamba_block_count, tf_count
from empirics.models.count import count_params


@pytest.mark.parametrize(
    "stated,lo,hi",
    [
        ("4,760", 4760, 4760),
        ("370", 370, 370),
        ("3.2K", 3150, 3249),
        ("19.6K", 19550, 19649),
        ("~25K", 24500, 25499),
        ("∼4K", 3500, 4499),
        ("approximately 82K", 81500, 82499),
        ("~22K", 21500, 22499),
        ("12,868", 12868, 12868),
    ],
)
def test_tolerance_is_half_a_unit_of_the_last_written_digit(stated, lo, hi):
    w = tolerance_window(stated)
    assert (w.lo, w.hi) == (lo, hi)
    assert lo in w and hi in w and lo - 1 not in w and hi + 1 not in w


def test_approximation_marker_adds_no_tolerance():
    assert tolerance_window("~25K") == tolerance_window("25K").__class__(24500, 25499, 1000.0, True)
    assert (tolerance_window("25K").lo, tolerance_window("25K").hi) == (24500, 25499)


def test_bad_figures_are_rejected():
    with pytest.raises(ValidationError, match="'stated'"):
        tolerance_window("a few thousand")


def test_pe_rows_domain():
    assert pe_rows_domain(128) == (128, 256, 512)
    assert pe_rows_domain(100) == (100, 128, 256)
    assert pe_rows_domain(512) == (512, 1024, 2048)


def test_judge_count_verdicts():
    hit = judge_count(
        "3.2K", [("a", 3100), ("b", 3200)], ours=3200, exhaustive=True, open_choices="x"
    )
    assert hit.verdict == "holds" and hit.measured["n_matching"] == 1
    miss = judge_count("3.2K", [("a", 3100)], ours=3100, exhaustive=True, open_choices="x")
    assert miss.verdict == "fails" and miss.counterexample["closest"] == ["a", 3100]
    open_ = judge_count(
        "3.2K", [("a", 3100)], ours=3100, exhaustive=False, open_choices="x", gap="y"
    )
    assert open_.verdict == "inconclusive"
    # the rule text is in every record, whatever the verdict
    assert hit.rule == miss.rule == open_.rule


def test_chance_flag_tracks_window_and_spread():
    many = [(str(c), c) for c in range(20000, 30000, 250)]  # 40 readings, 1 per 250
    assert (
        judge_count("~25K", many, ours=0, exhaustive=True, open_choices="x").measured[
            "chance_matches"
        ]
        >= 1
    )
    assert (
        judge_count("25,000", many, ours=0, exhaustive=True, open_choices="x").measured[
            "chance_matches"
        ]
        < 0.01
    )


@pytest.mark.parametrize(
    "d,L,mlp,ln,pe,bias,wo",
    list(
        itertools.product(
            (16, 32),
            (1, 2),
            (0, 64),
            (False, True),
            ("none", "learned"),
            (True, False),
            (True, False),
        )
    )[::5],
)
def test_tf_count_matches_the_built_transformer(d, L, mlp, ln, pe, bias, wo):
    from empirics.models.transformer import Transformer, TransformerConfig

    cfg = TransformerConfig(
        d_in=3,
        d_out=2,
        d_model=d,
        n_layers=L,
        n_heads=4,
        pe=pe,
        max_len=96,
        mlp_hidden=mlp,
        layernorm=ln,
        attn_bias=bias,
        attn_out_proj=wo,
    )
    n_ln = (2 * L + 1 if mlp else L + 1) if ln else 0
    expect = tf_count(
        d_in=3,
        d_out=2,
        d=d,
        L=L,
        mlp=mlp,
        n_ln=n_ln,
        pe_rows=96 if pe == "learned" else 0,
        attn_bias=bias,
        w_o=wo,
    )
    assert count_params(Transformer(cfg)) == expect


@pytest.mark.parametrize("d,n,expand", [(32, 16, 1), (32, 16, 2), (64, 8, 3)])
def test_mamba_block_count_matches_the_built_block(d, n, expand):
    from empirics.models.mamba import MambaBlock, MambaConfig

    assert count_params(
        MambaBlock(MambaConfig(d_model=d, d_state=n, expand=expand))
    ) == mamba_block_count(d, n, expand)


def test_selective_ssm_370_reading():
    # width 9, no read-out bias, learned h0: 2·9 + (16·9 + 16)·2 + 16 + 0 + 16 = 370
    assert ssm_variant_count(9, bias_out=False, h0=True) == 370
    assert ssm_variant_count(9) == 355 and ssm_variant_count(10) == 389
