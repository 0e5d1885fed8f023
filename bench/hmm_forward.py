"""Benchmark of the HMM forward oracle (issue #4 target: 500 sequences × 512 steps × 20 states in
< 0.5 s): numba kernel vs the vectorised numpy version vs hmmlearn (if installed).

    python bench/hmm_forward.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from chasm_theory.oracles.hmm import (
    forward_predict,
    forward_predict_numpy,
    random_hmms,
    sample_sequences,
)


def best_of(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--B", type=int, default=500)
    ap.add_argument("--T", type=int, default=512)
    ap.add_argument("--S", type=int, default=20)
    ap.add_argument("--V", type=int, default=50)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    hmm = random_hmms(a.B, a.S, a.V, 0.1, 0.1, rng)
    obs, _ = sample_sequences(hmm, a.T, rng)
    forward_predict(hmm, obs)  # compile
    t_nb = best_of(lambda: forward_predict(hmm, obs), a.repeats)
    t_np = best_of(lambda: forward_predict_numpy(hmm, obs), max(1, a.repeats // 2))
    print(f"{a.B} sequences × {a.T} steps × {a.S} states, {a.V} symbols")
    print(f"numba  : {t_nb:.3f} s  (target < 0.5 s: {'met' if t_nb < 0.5 else 'MISSED'})")
    print(f"numpy  : {t_np:.3f} s  ({t_np / t_nb:.1f}× slower)")
    try:
        from hmmlearn import hmm as hl  # type: ignore[import-not-found]
    except ImportError:
        print("hmmlearn: not installed (skipped)")
        return

    def run_hl() -> None:  # one model per sequence: hmmlearn has no batched per-task HMMs
        for b in range(a.B):
            m = hl.CategoricalHMM(n_components=a.S, init_params="", params="")
            m.startprob_, m.transmat_, m.emissionprob_ = hmm.pi[b], hmm.trans[b], hmm.emit[b]
            m.predict_proba(obs[b][:, None])

    t_hl = best_of(run_hl, 1)
    print(f"hmmlearn (smoothing posteriors, per sequence): {t_hl:.3f} s")


if __name__ == "__main__":
    main()
