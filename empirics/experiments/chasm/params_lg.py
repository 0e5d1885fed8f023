"""Parameter counts of the linear-Gaussian models (000 App C.7.3, C.4; 001 App B.1):
build each architecture as stated, count, and compare with the paper's number within its
rounding. Readings of unstated details (biases, output projection) are enumerated and recorded."""
from __future__ import annotations

import itertools
from typing import Any

from chasm_theory._context import Context
from chasm_theory._record import Outcome, decide
from chasm_theory._registry import claim
from empirics.engine.specs import variant_spec
from empirics.models.count import count_params
from empirics.models.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from empirics.models.transformer import Transformer, TransformerConfig

SECTION = "Parameter counts (linear-Gaussian models)"


def ssm_variant_count(w: int, n: int = 16, bias_u: bool = True, bias_a: bool = True,
                      bias_b: bool = True, bias_out: bool = True, skip_d: bool = False) -> int:
    """Count of the App C.7.3 selective SSM with d_in = d_out = 1 under one reading."""
    return (w + bias_u * w) + (n * w + bias_a * n) + (n * w + bias_b * n) + n + bias_out + skip_d


@claim("chasm.params.selective-ssm", source="000 App C.7.3", kind="numeric", section=SECTION,
       paper="370 parameters (n = 16, s_t = SiLU(U x_t + b), Ā = tanh(W_A s + b_A), B̄ = W_B s + b_B)",
       statement="the stated selective SSM (all stated biases, linear read-out) has exactly 370 "
                 "parameters for some width of s_t")
def check_ssm(ctx: Context) -> Outcome:
    built = {w: count_params(SelectiveSSM(SelectiveSSMConfig(width=w))) for w in range(1, 41)}
    assert all(built[w] == ssm_variant_count(w) for w in built)  # model matches the formula
    stated = [w for w, c in built.items() if c == 370]
    readings = []
    for w, bu, ba, bb, bo, dk in itertools.product(range(1, 41), *[(True, False)] * 5):
        if ssm_variant_count(w, 16, bu, ba, bb, bo, dk) == 370:
            readings.append({"width": w, "bias_U": bu, "bias_A": ba, "bias_B": bb,
                             "readout_bias": bo, "skip_D": dk})
    return decide(bool(stated), predicted=370,
                  measured={"count(width)": "34·w + 49", "w=9": built[9], "w=10": built[10],
                            "other_readings_giving_370": readings[:6]},
                  counterexample={"width_9": built[9], "width_10": built[10]},
                  evidence=f"Built and counted: U (1→w) with bias, W_A and W_B (w→16) with biases, "
                  f"read-out 16→1 with bias: 34·w + 49 parameters; w = 9 gives {built[9]}, w = 10 "
                  f"gives {built[10]}, so no width gives 370. Dropping/adding single terms: "
                  f"{len(readings)} reading(s) reach 370"
                  + (f", e.g. {readings[0]}" if readings else "") + ". Our runs use w = 9 (355).",
                  reading="d_in = d_out = 1; s_t of width w; Ā, B̄ per state (n = 16)")


def _tf(**kw: Any) -> int:
    return count_params(Transformer(TransformerConfig(d_in=1, d_out=1, **kw)))


def _rounds_to(count: int, stated_k: float) -> bool:
    return round(count / 1000, 1) == stated_k


@claim("chasm.params.lintf", source="000 App C.7.3", kind="numeric", section=SECTION,
       paper="3.2K parameters (one layer, d = 32, ELU+1 linear attention, no PE)",
       statement="the stated linear Transformer has 3.2K parameters (rounded to 0.1K)")
def check_lintf(ctx: Context) -> Outcome:
    readings = {f"attn_bias={b}, out_proj={o}": _tf(d_model=32, attention="linear-elu",
                                                    attn_bias=b, attn_out_proj=o)
                for b in (True, False) for o in (True, False)}
    ok = {k: v for k, v in readings.items() if _rounds_to(v, 3.2)}
    return decide(bool(ok), predicted="3.2K", measured=readings,
                  evidence=f"Counts of the built model under the four readings of the unstated "
                  f"attention details: {readings}. Rounding to 3.2K: {list(ok) or 'none'}. Our "
                  "experiments use attn_bias=False, out_proj=False (3,169).",
                  reading="embedding 1→32 and read-out 32→1 with biases; Q, K, V 32×32")


@claim("chasm.params.softtf", source="000 App C.7.3", kind="numeric", section=SECTION,
       paper="19.6K parameters (primarily from the 512 × d learned PE table)",
       statement="the stated softmax Transformer with a 512 × 32 learned PE table has 19.6K parameters")
def check_softtf(ctx: Context) -> Outcome:
    readings = {f"attn_bias={b}, out_proj={o}": _tf(d_model=32, attention="softmax", pe="learned",
                                                    max_len=512, attn_bias=b, attn_out_proj=o)
                for b in (True, False) for o in (True, False)}
    ok = {k: v for k, v in readings.items() if _rounds_to(v, 19.6)}
    return decide(bool(ok), predicted="19.6K", measured=readings,
                  evidence=f"Counts: {readings} (the table alone is 16,384). Rounding to 19.6K: "
                  f"{list(ok) or 'none'}; the reading used for Table 1 (no attention biases, no "
                  "W_O) gives 19,553.")


@claim("chasm.params.exp5-variants", source="000 App C.4, §8.5", kind="numeric", section=SECTION,
       paper="all four variants ∼4K parameters (d = 16; variant (d): learned table k_max × d)",
       statement="each Exp V variant, including the learned table of k_max = 512 rows, has ∼4K "
                 "parameters (read: 3.5K … 4.5K)")
def check_exp5(ctx: Context) -> Outcome:
    counts = {}
    for v in "abcd":
        spec = {k: x for k, x in variant_spec(v, 512).items() if k != "kind"}
        counts[v] = count_params(Transformer(TransformerConfig(d_in=1, d_out=1, **spec)))
    bad = {v: c for v, c in counts.items() if not 3500 <= c < 4500}
    return decide(not bad, predicted="∼4K each", measured=counts,
                  counterexample={"variant_counts": counts, "learned_table_512x16": 512 * 16},
                  evidence=f"Our d = 16 build (LayerNorm, MLP 80, attention biases and W_O) has "
                  f"{counts['a']} parameters without a PE table; a learned table of k_max × 16 adds "
                  f"16·k_max, i.e. 8,192 at k_max = 512 (the evaluated length), giving "
                  f"{counts['d']}. ∼4K for variant (d) needs k_max ≤ {(4500 - counts['a']) // 16}, "
                  "shorter than the contexts it is evaluated on.",
                  reading="the core layer sized to ≈ 3.9K so that (a)-(c) are '∼4K'; k_max = 512")
