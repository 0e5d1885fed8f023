"""Parameter counts of the chasm experiments' models (000 App C.5, C.6, C.7, D; 001 App B.3):
``chasm.params.<model>``. Each claim builds our model as described and counts it, then counts a
declared family of readings of the description (choices the text leaves open); the verdict is
computed from whether any reading lands within the paper's rounding."""
from __future__ import annotations

import math
from typing import Any, Callable

from chasm_theory import Context, Outcome, claim, decide
from empirics.models.count import count_params

SECTION = "Parameter counts (chasm.params)"


def _tf(d_in: int, d_out: int, **kw: Any) -> int:
    from empirics.models.transformer import Transformer, TransformerConfig

    return count_params(Transformer(TransformerConfig(d_in=d_in, d_out=d_out, **kw)))


def _tf_formula(d_in: int, d: int, L: int, mlp: int, n_ln: int, d_out: int, pos: int = 0,
                attn_bias: bool = True) -> int:
    attn = 4 * d * d + (4 * d if attn_bias else 0)
    m = (2 * d * mlp + mlp + d) if mlp else 0
    return d_in * d + d + pos * d + L * (attn + m) + 2 * d * n_ln + d * d_out + d_out


def _mamba_block(d: int, n: int, expand: int, d_conv: int = 4, dt_rank: int = 0) -> int:
    di, r = expand * d, dt_rank or math.ceil(d / 16)
    return d * 2 * di + di * d_conv + di + di * (r + 2 * n) + r * di + di + di * n + di + di * d


def _ln_readings(d_in: int, d: int, L: int, mlp: int, d_out: int, pos: int = 0) -> list[tuple[str, int]]:
    return [(f"{n_ln} LayerNorm(s), attn bias {b}", _tf_formula(d_in, d, L, mlp, n_ln, d_out, pos, b))
            for n_ln in range(0, 2 * L + 2) for b in (True, False)]


def _entries() -> dict[str, dict[str, Any]]:
    from empirics.engine.models import build_model
    from empirics.engine.specs import APPD_MODELS as D
    from empirics.engine.specs import PE_SWEEP_MODELS as E8
    from empirics.engine.specs import PRODUCT_MODELS as E7
    from empirics.engine.specs import hmm_models as _models

    def ours(spec: dict[str, Any], d_in: int = 4, d_out: int = 4) -> Callable[[], int]:
        return lambda: count_params(build_model(spec, d_in, d_out))

    hmm_small, hmm_big = _models(50, 128, True), _models(100, 512, False)
    e: dict[str, dict[str, Any]] = {
        "ssm-kron": dict(paper="4,760", lo=4760, hi=4760, src="000 App C.6", ours=ours(E7["ssm-kron"][0]),
                         readings=[("MLP 4→64→64→4 + read-out 4→4", 4 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4 + 20)],
                         complete=False),
        "general-ssm": dict(paper="6,104", lo=6104, hi=6104, src="000 App C.6", ours=ours(E7["general-ssm"][0]),
                            readings=[(f"MLP 4→{h}→{h}→16 + read-out 4→4{extra}", 4 * h + h + h * h + h + 16 * h + 16 + 20 + x)
                                      for h in (32, 48, 64, 96) for extra, x in (("", 0), (" + B 4×4", 20), (" + h0", 4),
                                                                                  (" + input-dependent B (4)", 4 * h + 4))],
                            complete=False),
        "hybrid": dict(paper="20,472", lo=20472, hi=20472, src="000 App C.6", ours=ours(E7["hybrid"][0]),
                       readings=[(f"Kron SSM 4,760 + 1-layer TF (d_in {di}, MLP {m}, {nl} LN)", 4760 + _tf_formula(di, 32, 1, m, nl, 4))
                                 for di in (4, 8, 32) for m in (0, 64, 128) for nl in range(4)],
                       complete=False),
    }
    for name in ("lintf", "softtf-rope", "tf2l-rope", "tf4l-rope"):
        spec, p, _ = E7[name]
        L = spec["n_layers"]
        e[name] = dict(paper=f"{p:,}", lo=p, hi=p, src="000 App C.6", ours=ours(spec),
                       readings=_ln_readings(4, 32, L, 128, 4), complete=True)
    for name in ("tf1l-none", "tf1l-sinusoidal", "tf1l-rope", "tf2l-none"):
        spec, p, _ = E8[name]
        L, d, m = spec["n_layers"], spec["d_model"], spec["mlp_hidden"]
        e[name] = dict(paper=f"{p:,}", lo=p, hi=p, src="000 App C.7", ours=ours(spec),
                       readings=_ln_readings(4, d, L, m, 4), complete=True)
    # HMM models: token embedding (V·d, or our one-hot linear V·d + d), head d·V + V
    blk = _mamba_block(32, 16, 1)
    e["hmm-mamba"] = dict(paper="~5K", lo=4500, hi=5499, src="000 App C.5", ours=ours(hmm_small["mamba"], 50, 50),
                          readings=[(f"embedding + block(expand {x}) + {nl} LN + head{' (tied)' if tied else ''}",
                                     50 * 32 + _mamba_block(32, 16, x) + 64 * nl + (50 if tied else 32 * 50 + 50))
                                    for x in (1, 2) for nl in (0, 1, 2) for tied in (False, True)],
                          complete=True, note=f"the Mamba block alone (d 32, n 16, expand 1) has {blk:,}")
    e["hmm-tf"] = dict(paper="~22K", lo=21500, hi=22499, src="000 App C.5", ours=ours(hmm_small["tf"], 50, 50),
                       readings=[(f"PE table {pl} rows, {nl} LN", 50 * 32 + pl * 32 + 4 * 32 * 32 + 128 + 2 * 32 * 64 + 64 + 32
                                  + 64 * nl + 32 * 50 + 50) for pl in (128, 256, 512) for nl in (0, 1, 2, 3)],
                       complete=False, note="the PE table length is not stated (training sequences have 128 characters)")
    e["bayes-hmm-mamba"] = dict(paper="~85K", lo=84500, hi=85499, src="001 App B.3", ours=ours(hmm_big["mamba"], 100, 100),
                                readings=[(f"embedding + block(expand {x}, n {n}) + LN + head", 100 * 64 + _mamba_block(64, n, x) + 128 + 64 * 100 + 100)
                                          for x in (1, 2, 3, 4) for n in (4, 8, 16, 32, 64)],
                                complete=False, note="the hidden and state dimensions were lost in extraction")
    e["bayes-hmm-tf"] = dict(paper="~82K", lo=81500, hi=82499, src="001 App B.3", ours=ours(hmm_big["tf"], 100, 100),
                             readings=[(f"PE 512 rows, {nl} LN, attn bias {b}", 100 * 64 + 512 * 64 + 4 * 64 * 64 + (256 if b else 0)
                                        + 2 * 64 * 128 + 128 + 64 + 128 * nl + 64 * 100 + 100) for nl in range(4) for b in (True, False)],
                             complete=True)
    e["appD-ssm"] = dict(paper="~4K", lo=3500, hi=4499, src="000 App D.2", ours=ours(D["pure-ssm"][0], 2, 1),
                         readings=[(f"2 blocks (expand {x}) + in/out + {nl} LN", 2 * _mamba_block(32, 16, x) + 3 * 32 + 33 + 64 * nl)
                                   for x in (1, 2) for nl in range(4)],
                         complete=True, note=f"a single Mamba block (d 32, n 16, expand 1) already has {blk:,}")
    e["appD-tf"] = dict(paper="~25K", lo=24500, hi=25499, src="000 App D.2", ours=ours(D["pure-tf"][0], 2, 1),
                        readings=_ln_readings(2, 32, 2, 64, 1, pos=128), complete=True)
    e["appD-hybrid"] = dict(paper="~19K", lo=18500, hi=19499, src="000 App D.2", ours=ours(D["hybrid"][0], 2, 1),
                            readings=[(f"Mamba block + 1-layer TF, {nl} LN, PE {pl}", 3 * 32 + _mamba_block(32, 16, 1)
                                       + _tf_formula(32, 32, 1, 64, nl, 1, pl)) for nl in range(4) for pl in (0, 128)],
                            complete=False)
    return e


def _make(name: str, paper: str, src: str) -> None:
    prefix = {"000 App C.6": "exp7-", "000 App C.7": "exp8-", "000 App C.5": "exp6-"}.get(src, "")
    cid = f"chasm.params.{prefix}{name}" if not name.startswith(("appD", "bayes")) else f"chasm.params.{name}"
    cid = cid.replace("exp6-hmm-", "exp6-")

    @claim(cid, source=src, section=SECTION, kind="numeric",
           statement=f"the stated architecture of {name} has {paper} parameters", paper=paper)
    def check(ctx: Context) -> Outcome:
        ent = _entries()[name]
        n_ours = ent["ours"]()
        readings = [("our model", n_ours)] + ent["readings"]
        hits = [(d, c) for d, c in readings if ent["lo"] <= c <= ent["hi"]]
        closest = min(readings, key=lambda r: abs(r[1] - (ent["lo"] + ent["hi"]) / 2))
        counts = [c for _, c in readings]
        out_of_reach = ent["complete"] and (min(counts) > ent["hi"] or max(counts) < ent["lo"] or not hits)
        ev = (f"Our model as described has {n_ours:,} parameters (paper {paper}, accepted range "
              f"{ent['lo']:,}–{ent['hi']:,}). "
              + (f"Readings that match: {hits[:3]}. " if hits else
                 f"No reading of the {len(readings)} we counted matches; closest: {closest[0]} = {closest[1]:,}. ")
              + (ent.get("note", "") + "." if ent.get("note") else ""))
        if hits or out_of_reach:
            return decide(bool(hits), predicted=paper, measured={"ours": n_ours, "matching": hits[:3]},
                          counterexample={"closest": closest, "range": [min(counts), max(counts)]},
                          evidence=ev, rule="holds if some reading lands within the paper's rounding; "
                          "fails if none does and the description leaves nothing else open",
                          details={"readings": readings})
        return Outcome(verdict="inconclusive", predicted=paper, measured={"ours": n_ours}, evidence=ev
                       + " The description leaves components open that could make up the difference.",
                       rule="no reading matches, but the description is not specific enough to rule one out",
                       details={"readings": readings})


for _n, _p, _s in [("ssm-kron", "4,760", "000 App C.6"), ("general-ssm", "6,104", "000 App C.6"),
                   ("lintf", "12,868", "000 App C.6"), ("softtf-rope", "12,868", "000 App C.6"),
                   ("tf2l-rope", "25,508", "000 App C.6"), ("tf4l-rope", "50,660", "000 App C.6"),
                   ("hybrid", "20,472", "000 App C.6"), ("tf1l-none", "3,364", "000 App C.7"),
                   ("tf1l-sinusoidal", "3,364", "000 App C.7"), ("tf1l-rope", "3,364", "000 App C.7"),
                   ("tf2l-none", "25,508", "000 App C.7"), ("hmm-mamba", "~5K", "000 App C.5"),
                   ("hmm-tf", "~22K", "000 App C.5"), ("bayes-hmm-mamba", "~85K", "001 App B.3"),
                   ("bayes-hmm-tf", "~82K", "001 App B.3"), ("appD-ssm", "~4K", "000 App D.2"),
                   ("appD-tf", "~25K", "000 App D.2"), ("appD-hybrid", "~19K", "000 App D.2")]:
    _make(_n, _p, _s)
