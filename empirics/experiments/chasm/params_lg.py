"""Parameter counts of the linear-Gaussian models (000 App C.7.3, C.4; 001 App B.1):
build each architecture as stated, count, and compare with the paper's number within its
rounding. Readings of unstated details (biases, output projection) are enumerated and recorded."""

from __future__ import annotations

import itertools
from typing import Any

from chasm_theory._context import Context
from chasm_theory._record import Outcome
from chasm_theory._registry import claim
from chasm_theory.claims._count_rule import judge_count
from empirics.engine.specs import BAYES_SPECS, variant_spec
from empirics.experiments.chasm.params_readings import WIDTHS, tf_count, tf_readings
from empirics.models.count import count_params
from empirics.models.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from empirics.models.transformer import Transformer, TransformerConfig

SECTION = "Parameter counts (linear-Gaussian models)"


def ssm_variant_count(
    w: int,
    n: int = 16,
    bias_u: bool = True,
    bias_a: bool = True,
    bias_b: bool = True,
    bias_out: bool = True,
    skip_d: bool = False,
    h0: bool = False,
    d_in: int = 1,
    d_out: int = 1,
) -> int:
    """Count of the App C.7.3 selective SSM (001 App B.1's with d_in = d_out = m) under one
    reading: U (d_in→w), W_A (w→n) and W_B (w→n·d_in) with their biases, read-out n→d_out (and
    its bias), a skip term D (d_out·d_in) and a learned initial state h0 (n)."""
    return (
        (w * d_in + bias_u * w)
        + (n * w + bias_a * n)
        + (n * d_in * w + bias_b * n * d_in)
        + n * d_out
        + bias_out * d_out
        + skip_d * d_out * d_in
        + h0 * n
    )


Q_SSM = (
    "Selective SSM: Hidden dimension n = 16 , selective projection s t = SiLU ( U x t + b ) , "
    "diagonal A ¯ t = tanh ( W A s t + b A ) , B ¯ t = W B s t + b B . 370 parameters."
)
Q_LINTF = (
    "Linear Transformer: Single layer, embedding d = 32 , linear attention with ELU+1 kernel: "
    "ϕ ( x ) = ELU ( x ) + 1 , Attn ( Q , K , V ) = ϕ ( Q ) ϕ ( K ) V / ( ϕ ( Q ) ϕ ( K ) 1 ) , "
    "causal masking, no positional encoding. 3.2K parameters."
)
Q_SOFTTF = (
    "Softmax Transformer (+PE): Single layer, embedding d = 32 , softmax attention with learned "
    "positional embedding table of size 512 × d . 19.6K parameters (primarily from PE table)."
)
Q_EXP5_CORE = (
    "All four Transformer variants share the same core architecture (single layer, embedding "
    "d = 16 , ∼4K parameters) and differ only in the attention mechanism and positional "
    "encoding:"
)
Q_EXP5_ALL = (
    "(a) linear attention, no PE; (b) softmax, no PE; (c) softmax + sinusoidal PE; (d) softmax "
    "+ learned PE. All ∼4K params."
)


@claim(
    "chasm.params.selective-ssm",
    source="000 App C.7.3",
    kind="numeric",
    section=SECTION,
    paper="Quote: " + Q_SSM,
    quote=Q_SSM,
    statement="the stated selective SSM (n = 16, the three stated biases) has 370 parameters "
    "for some reading of the unstated width of s_t and read-out",
)
def check_ssm(ctx: Context) -> Outcome:
    built = {w: count_params(SelectiveSSM(SelectiveSSMConfig(width=w))) for w in range(1, 65)}
    assert all(built[w] == ssm_variant_count(w) for w in built)  # model matches the formula
    readings = [
        (
            f"width {w}, read-out bias {bo}, skip D {dk}, learned h0 {h}",
            ssm_variant_count(w, 16, True, True, True, bo, dk, h),
        )
        for w, bo, dk, h in itertools.product(range(1, 65), *[(True, False)] * 3)
    ]
    return judge_count(
        "370",
        readings,
        ours=built[9],
        exhaustive=True,
        open_choices="width of s_t 1..64 (the count grows by 34 per unit of width, so "
        "wider readings only overshoot), read-out bias, skip term D, learned initial "
        "state h0; the stated biases b, b_A, b_B are kept",
        note="Our runs use width 9 with a read-out bias (355).",
    )


def _tf(**kw: Any) -> int:
    return count_params(Transformer(TransformerConfig(d_in=1, d_out=1, **kw)))


def _tf_readings_lg(d: int, pe_rows: tuple[int, ...]) -> list[tuple[str, int]]:
    return tf_readings(
        d_in=1,
        d_out=1,
        d=(d,),
        L=1,
        mlp=lambda dd: (0, 2 * dd, 4 * dd),
        ln=range(0, 4),
        pe_rows=pe_rows,
    )


@claim(
    "chasm.params.lintf",
    source="000 App C.7.3",
    kind="numeric",
    section=SECTION,
    paper="Quote: " + Q_LINTF,
    quote=Q_LINTF,
    statement="the stated linear Transformer (one layer, d = 32, no PE) has 3.2K parameters",
)
def check_lintf(ctx: Context) -> Outcome:
    ours = _tf(d_model=32, attention="linear-elu", attn_bias=False, attn_out_proj=False)
    return judge_count(
        "3.2K",
        _tf_readings_lg(32, (0,)),
        ours=ours,
        exhaustive=True,
        open_choices="MLP (none, 2d, 4d), LayerNorms, attention biases, W_O",
        note="Our experiments use no attention biases and no W_O (3,169).",
    )


@claim(
    "chasm.params.softtf",
    source="000 App C.7.3",
    kind="numeric",
    section=SECTION,
    paper="Quote: " + Q_SOFTTF,
    quote=Q_SOFTTF,
    statement="the stated softmax Transformer with a 512 × 32 learned PE table has 19.6K "
    "parameters",
)
def check_softtf(ctx: Context) -> Outcome:
    ours = _tf(
        d_model=32,
        attention="softmax",
        pe="learned",
        max_len=512,
        attn_bias=False,
        attn_out_proj=False,
    )
    return judge_count(
        "19.6K",
        _tf_readings_lg(32, (512,)),
        ours=ours,
        exhaustive=True,
        open_choices="MLP (none, 2d, 4d), LayerNorms, attention biases, W_O; the "
        "512-row table is stated",
        note="The table alone is 16,384.",
    )


def _exp5_core_ours() -> int:
    spec = {k: x for k, x in variant_spec("a", 512).items() if k != "kind"}
    return count_params(Transformer(TransformerConfig(d_in=1, d_out=1, **spec)))


def _min_mlp_for(lo: int) -> int:
    """The smallest MLP width whose d = 16 single-layer core (attention biases, W_O, 3 LN)
    reaches ``lo`` parameters."""
    return next(
        m for m in range(0, 1000) if tf_count(d_in=1, d_out=1, d=16, L=1, mlp=m, n_ln=3) >= lo
    )


@claim(
    "chasm.params.exp5-variants",
    source="000 App C.4",
    kind="numeric",
    section=SECTION,
    paper="Quote (App C.4): " + Q_EXP5_CORE,
    quote=Q_EXP5_CORE,
    statement="the shared core of the Exp V variants (one layer, d = 16; variant (d)'s learned "
    "table excluded) has ∼4K parameters",
    finding="params-exp5-core",
)
def check_exp5(ctx: Context) -> Outcome:
    from chasm_theory.claims._count_rule import tolerance_window

    lo = tolerance_window("∼4K").lo
    return judge_count(
        "∼4K",
        _tf_readings_lg(16, (0,)),
        ours=_exp5_core_ours(),
        exhaustive=True,
        open_choices="MLP (none, 2d, 4d), LayerNorms, attention biases, W_O",
        note=f"Our build uses an MLP of width 80 = 5d (3,889; chosen earlier to reach "
        f"∼4K, outside the rule's domain); the core reaches {lo:,} only with an MLP of "
        f"width ≥ {_min_mlp_for(lo)}.",
    )


@claim(
    "chasm.params.exp5-variants.with-table",
    source="000 §8.5; App C.4",
    kind="numeric",
    section=SECTION,
    paper="Quote (§8.5): " + Q_EXP5_ALL,
    quote=Q_EXP5_ALL,
    statement="every Exp V variant, variant (d) with its learned k_max × d table included, has "
    "∼4K parameters",
    finding="params-exp5-core",
)
def check_exp5_with_table(ctx: Context) -> Outcome:
    from chasm_theory.claims._count_rule import pe_rows_domain

    spec = {k: x for k, x in variant_spec("d", 512).items() if k != "kind"}
    ours = count_params(Transformer(TransformerConfig(d_in=1, d_out=1, **spec)))
    return judge_count(
        "∼4K",
        _tf_readings_lg(16, pe_rows_domain(512)),
        ours=ours,
        exhaustive=True,
        open_choices="variant (d): PE table rows (contexts up to k = 512), MLP (none, "
        "2d, 4d), LayerNorms, attention biases, W_O",
        note="Variants (a)-(c) have no table: chasm.params.exp5-variants.",
    )


# ----------------------------------------------------------------------------- 001 App B.1

Q_BAYES_SSM = (
    "The simplified Selective SSM has a hidden dimension of . Its selective projection network "
    "computes , where and . The selective linear layers are defined as and , with weight "
    "matrices . The output layer is a linear projection from the hidden state to the "
    "prediction . The total number of parameters is approximately 4.2K."
)
Q_BAYES_LINTF = (
    "The Linear Transformer baseline consists of a single layer with an embedding dimension of "
    ". It employs linear attention: , where , , and . No positional encoding is used, as "
    "linear attention is permutation-invariant; we rely solely on causal masking for the "
    "sequence order. The total parameter count is approximately 4.1K, matching that of the SSM."
)
BAYES_M = 2  # observation dimension of 001's LG-SSM prior (d = 4, m = 2): model input and output
BAYES_STATES = (4, 8, 16, 32, 64)  # hidden dimensions tried for the one lost in the extraction


@claim(
    "bayes.params.ssm",
    source="001 App B.1",
    kind="numeric",
    section=SECTION,
    paper="Quote: " + Q_BAYES_SSM,
    quote=Q_BAYES_SSM,
    statement="the simplified selective SSM of 001's synthetic experiment (the 000 App C.7.3 "
    "layout on m = 2 observations) has approximately 4.2K parameters for some reading of its "
    "dimensions",
)
def check_bayes_ssm(ctx: Context) -> Outcome:
    spec = BAYES_SPECS["ssm"]
    ours = count_params(
        SelectiveSSM(
            SelectiveSSMConfig(d_in=BAYES_M, d_out=BAYES_M, n=spec["n"], width=spec["width"])
        )
    )
    assert ours == ssm_variant_count(spec["width"], spec["n"], d_in=BAYES_M, d_out=BAYES_M)
    readings = [
        (
            f"state {n}, width {w}, read-out bias {bo}, skip D {dk}, learned h0 {h}",
            ssm_variant_count(w, n, True, True, True, bo, dk, h, d_in=BAYES_M, d_out=BAYES_M),
        )
        for n, w, bo, dk, h in itertools.product(BAYES_STATES, range(1, 65), *[(True, False)] * 3)
    ]
    return judge_count(
        "approximately 4.2K",
        readings,
        ours=ours,
        exhaustive=False,
        open_choices=f"hidden dimension {'/'.join(map(str, BAYES_STATES))}, width of s_t "
        "1..64, read-out bias, skip term D, learned initial state h0; input and output "
        f"m = {BAYES_M}",
        gap="the hidden dimension and the selective projection's shapes were lost in the "
        "extraction",
        note=f"Our runs use state {spec['n']}, width {spec['width']} with a read-out bias.",
    )


@claim(
    "bayes.params.lintf",
    source="001 App B.1",
    kind="numeric",
    section=SECTION,
    paper="Quote: " + Q_BAYES_LINTF,
    quote=Q_BAYES_LINTF,
    statement="the single-layer linear Transformer of 001's synthetic experiment (no PE, m = 2 "
    "observations) has approximately 4.1K parameters for some reading of its dimensions",
)
def check_bayes_lintf(ctx: Context) -> Outcome:
    spec = {k: v for k, v in BAYES_SPECS["lintf"].items() if k != "kind"}
    ours = count_params(Transformer(TransformerConfig(d_in=BAYES_M, d_out=BAYES_M, **spec)))
    readings = tf_readings(
        d_in=BAYES_M,
        d_out=BAYES_M,
        d=WIDTHS,
        L=1,
        mlp=lambda dd: (0, 2 * dd, 4 * dd),
        ln=range(0, 4),
    )
    return judge_count(
        "approximately 4.1K",
        readings,
        ours=ours,
        exhaustive=False,
        open_choices="embedding width 16/32/64 (the rule's domain for an unstated width), MLP "
        "(none, 2d, 4d), LayerNorms, attention biases, W_O; no PE (stated)",
        gap="the embedding dimension was lost in the extraction",
        note=f"Our runs use d = {spec['d_model']} without attention biases or W_O.",
    )
