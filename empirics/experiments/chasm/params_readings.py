"""Closed-form parameter counts and the enumerated readings of the count rule's domains
(:mod:`chasm_theory.claims._count_rule`) for Transformers and Mamba stacks: the counting half of
``chasm.params.*`` (the claims, with what each paper states, live in
:mod:`empirics.experiments.chasm.params` and :mod:`empirics.experiments.chasm.params_lg`). The
closed forms are checked against built models in tests/test_params_formulas.py.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

__all__ = ["WIDTHS", "mamba_block_count", "mamba_readings", "tf_count", "tf_readings"]

WIDTHS = (16, 32, 64)  # the rule's domain for an unstated model width


def tf_count(
    *,
    d_in: int,
    d_out: int,
    d: int,
    L: int,
    mlp: int,
    n_ln: int,
    pe_rows: int = 0,
    attn_bias: bool = True,
    w_o: bool = True,
    embed: str = "linear",
    tied: bool = False,
) -> int:
    """Closed-form count of an L-layer Transformer: input map (``linear``: d_in·d + d;
    ``table``: d_in·d token embedding), learned PE table pe_rows·d, per layer q/k/v(/o) with
    optional biases and an optional MLP d→mlp→d, n_ln LayerNorms (2d each), read-out d·d_out +
    d_out (``tied``: the bias d_out only)."""
    n_proj = 3 + int(w_o)
    attn = n_proj * d * d + (n_proj * d if attn_bias else 0)
    m = (2 * d * mlp + mlp + d) if mlp else 0
    emb = d_in * d + (d if embed == "linear" else 0)
    head = d_out if tied else d * d_out + d_out
    return emb + pe_rows * d + L * (attn + m) + 2 * d * n_ln + head


def mamba_block_count(d: int, n: int, expand: int, d_conv: int = 4, dt_rank: int = 0) -> int:
    """One Mamba block at the reference layout: in_proj d→2di, depthwise conv (weights + bias),
    x_proj di→r+2n, dt_proj r→di (+ bias), A_log di·n, D di, out_proj di→d."""
    di, r = expand * d, dt_rank or math.ceil(d / 16)
    return d * 2 * di + di * d_conv + di + di * (r + 2 * n) + r * di + di + di * n + di + di * d


def tf_readings(
    *,
    d_in: int,
    d_out: int,
    d: tuple[int, ...],
    L: int,
    mlp: Callable[[int], tuple[int, ...]],
    ln: range,
    pe_rows: tuple[int, ...] = (0,),
    tokens: bool = False,
) -> list[tuple[str, int]]:
    """Every reading of the rule's Transformer domains: width d, MLP width, LayerNorm count, PE
    rows, attention biases, W_O, and for token models the embedding kind and a tied read-out."""
    out = []
    embeds = ("table", "linear") if tokens else ("linear",)
    tieds = (False, True) if tokens else (False,)
    for dd in d:
        for m, n_ln, rows, b, o, e, t in itertools.product(
            mlp(dd), ln, pe_rows, (True, False), (True, False), embeds, tieds
        ):
            desc = (
                f"d {dd}, MLP {m or 'none'}, {n_ln} LN, PE rows {rows}, attn bias {b}, W_O {o}"
                + (f", {e} embedding{', tied read-out' if t else ''}" if tokens else "")
            )
            out.append(
                (
                    desc,
                    tf_count(
                        d_in=d_in,
                        d_out=d_out,
                        d=dd,
                        L=L,
                        mlp=m,
                        n_ln=n_ln,
                        pe_rows=rows,
                        attn_bias=b,
                        w_o=o,
                        embed=e,
                        tied=t,
                    ),
                )
            )
    return out


def mamba_readings(
    *,
    d_in: int,
    d_out: int,
    d: int,
    n: int,
    blocks: int,
    ln: range,
    tokens: bool = False,
    expands: tuple[int, ...] = (1, 2),
) -> list[tuple[str, int]]:
    """Mamba stacks at the reference block defaults (expand 1 or 2), LayerNorm count, and for
    token models the embedding kind and a tied read-out."""
    out = []
    for x, n_ln, e, t in itertools.product(
        expands,
        ln,
        ("table", "linear") if tokens else ("linear",),
        (False, True) if tokens else (False,),
    ):
        emb = d_in * d + (d if e == "linear" else 0)
        head = d_out if t else d * d_out + d_out
        c = emb + blocks * mamba_block_count(d, n, x) + 2 * d * n_ln + head
        out.append(
            (
                f"{blocks} block(s) expand {x}, {n_ln} LN"
                + (f", {e} embedding{', tied read-out' if t else ''}" if tokens else ""),
                c,
            )
        )
    return out
