"""Benchmark of the oracle filters: B = 1000 sequences x T = 512 steps of the 2-D augmented
colored-noise system (a = 0.9, alpha = 0.95, R = 0), and the Bayes grid over alpha (G = 200).

Prints one rich table: sequence-steps/s (B*T / wall time, best of several repeats after JIT
warm-up), the ratio to our shared-gain kernel, the max |difference| of the filtered means from
ours (a correctness check of every competitor), and the memory-bandwidth floor for the same
work (read x, write the filtered means) from a measured large copy.

Run: ``python bench/oracle_filters.py [--quick]``. Third-party filters (simdkalman,
statsmodels, filterpy, dynamax) are used only if they import; slow per-sequence Python ones
are timed on a subset of sequences and scaled (marked in the table).
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
from numba import get_num_threads, njit, prange, set_num_threads
from rich.console import Console
from rich.table import Table

from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import (
    filter_means,
    kalman_filter,
    kalman_filter_numpy,
    kalman_filter_per_sequence,
    riccati_gains,
    steady_state_filter,
)
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise

A_POLE, ALPHA = 0.9, 0.95


def best_times(fn: Callable[[], object], repeats: int, min_total: float = 0.3
               ) -> tuple[float, float]:
    """(min wall time, min process CPU time) over ``repeats`` calls after a warm-up.

    On a machine shared with other jobs the wall time includes waiting for a core; the CPU
    time (all threads of this process) is the work actually done."""
    fn()  # warm-up (JIT, caches)
    walls, cpus = [], []
    t_start = time.perf_counter()
    while len(walls) < repeats or (time.perf_counter() - t_start < min_total
                                   and len(walls) < 50):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), max(min(cpus), 1e-9)


def best_time(fn: Callable[[], object], repeats: int, min_total: float = 0.3) -> float:
    return best_times(fn, repeats, min_total)[0]


@njit(parallel=True, cache=True)
def _par_copy(src: np.ndarray, dst: np.ndarray) -> None:
    n = src.size
    nchunk = 64
    step = (n + nchunk - 1) // nchunk
    for c in prange(nchunk):
        lo = c * step
        hi = min(n, lo + step)
        for i in range(lo, hi):
            dst[i] = src[i]


def bandwidth(nbytes: int) -> tuple[float, float]:
    """(numpy single-thread, numba all-threads) copy bandwidth in bytes/s, counting the bytes
    read plus the bytes written."""
    n = nbytes // 8
    src = np.random.default_rng(0).standard_normal(n)
    dst = np.empty_like(src)
    t_np = best_time(lambda: np.copyto(dst, src), 5)
    t_nb = best_time(lambda: _par_copy(src, dst), 5)
    return 2 * nbytes / t_np, 2 * nbytes / t_nb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--B", type=int, default=1000)
    ap.add_argument("--T", type=int, default=512)
    args = ap.parse_args()
    B, T = args.B, args.T
    reps = 3 if args.quick else 7
    console = Console(width=200)
    nthreads = get_num_threads()
    params = colored_noise_lgssm(A_POLE, ALPHA)
    x = sample_colored_noise(A_POLE, ALPHA, B, T, np.random.default_rng(0)).x
    x3 = np.ascontiguousarray(x[:, :, None])
    gains = riccati_gains(params, T)
    sol = solve_filter_dare(params)
    ref = kalman_filter(params, x, gains).filtered_means
    n_steps = B * T
    rows: list[tuple[str, float | None, float | None, float | None, str]] = []

    def add(name: str, fn: Callable[[], np.ndarray], *, subset: int | None = None,
            check: bool = True, reps_: int = reps, threads: int | None = None) -> float:
        """Time fn (which returns (b, T, 2) filtered means for the first b sequences)."""
        if threads is not None:
            set_num_threads(threads)
        try:
            out = fn()
            err = float(np.max(np.abs(out - ref[:out.shape[0]]))) if check else None
            wall, cpu = best_times(fn, reps_)
        finally:
            set_num_threads(nthreads)
        nseq = subset or B
        rate = nseq * T / wall
        rows.append((name + (f" [{nseq} seqs, scaled]" if subset else ""), rate,
                     nseq * T / cpu, err, ""))
        return rate

    add("ours: shared gains, numba, filtered means only", lambda: filter_means(params, x3, gains))
    add("  same, 1 thread", lambda: filter_means(params, x3, gains), threads=1)
    add("ours: shared gains, numba, all outputs + loglik",
        lambda: kalman_filter(params, x3, gains).filtered_means)
    add("ours: incl. computing the gains (Riccati)",
        lambda: kalman_filter(params, x3).filtered_means)
    add("ours: steady-state DARE gain (papers' oracle)",
        lambda: steady_state_filter(params, x3, sol).filtered_means, check=False)
    per_seq = add("ours: covariance per sequence, d=2/m=1 kernel",
                  lambda: kalman_filter_per_sequence(params, x3, full=False).filtered_means)
    add("  same, 1 thread",
        lambda: kalman_filter_per_sequence(params, x3, full=False).filtered_means, threads=1)
    add("ours: covariance per sequence, generic, all outputs",
        lambda: kalman_filter_per_sequence(params, x3).filtered_means)
    add("numpy, vectorised over the batch (loop over t)",
        lambda: kalman_filter_numpy(params, x3, gains).filtered_means,
        reps_=max(2, reps // 2))

    Pst = params.P0  # stationary: the prior of z_1 is N(0, Pst) too, so all conventions agree
    try:
        import simdkalman

        kf = simdkalman.KalmanFilter(state_transition=params.A, process_noise=params.Q,
                                     observation_model=params.C,
                                     observation_noise=params.R)

        def run_simd() -> np.ndarray:
            r = kf.compute(x, 0, initial_value=np.zeros(2), initial_covariance=Pst,
                           smoothed=False, filtered=True, covariances=False,
                           observations=False)
            return r.filtered.states.mean

        add("simdkalman (numpy, batched)", run_simd, reps_=max(2, reps // 2))
    except ImportError:
        rows.append(("simdkalman", None, None, None, "not installed"))
    except Exception as exc:  # noqa: BLE001
        rows.append(("simdkalman", None, None, None, f"failed: {type(exc).__name__}: {exc}"[:60]))

    try:
        from statsmodels.tsa.statespace.kalman_filter import KalmanFilter as SMKF

        nsub = 50

        def run_sm() -> np.ndarray:
            out = np.empty((nsub, T, 2))
            for b in range(nsub):
                k = SMKF(k_endog=1, k_states=2, design=params.C, obs_cov=params.R,
                         transition=params.A, selection=np.eye(2), state_cov=params.Q)
                k.bind(x[b][:, None].copy())
                k.initialize_known(np.zeros(2), Pst)
                out[b] = k.filter().filtered_state.T
            return out

        add("statsmodels (Cython, per sequence)", run_sm, subset=nsub, reps_=2)
    except ImportError:
        rows.append(("statsmodels", None, None, None, "not installed"))
    except Exception as exc:  # noqa: BLE001
        rows.append(("statsmodels", None, None, None, f"failed: {type(exc).__name__}: {exc}"[:60]))

    try:
        from filterpy.kalman import KalmanFilter as FPKF

        nsub = 4

        def run_fp() -> np.ndarray:
            out = np.empty((nsub, T, 2))
            for b in range(nsub):
                k = FPKF(dim_x=2, dim_z=1)
                k.F, k.H, k.Q, k.R = params.A, params.C, params.Q, params.R
                k.x, k.P = np.zeros((2, 1)), params.P0.copy()
                # filterpy's prior is z_{0|0}: predict first (same convention as ours)
                for t in range(T):
                    k.predict()
                    k.update(x[b, t])
                    out[b, t] = k.x[:, 0]
            return out

        add("filterpy (pure Python, per sequence)", run_fp, subset=nsub, reps_=1)
    except ImportError:
        rows.append(("filterpy", None, None, None, "not installed"))
    except Exception as exc:  # noqa: BLE001
        rows.append(("filterpy", None, None, None, f"failed: {type(exc).__name__}: {exc}"[:60]))

    try:
        import dynamax  # noqa: F401

        rows.append(("dynamax", None, None, None, "installed but not wired (needs JAX)"))
    except ImportError:
        rows.append(("dynamax", None, None, None, "not installed"))

    # memory-bandwidth floor: read x (m = 1 double) + write z_{t|t} (d = 2 doubles) per step
    bytes_per_step = 8 * (1 + 2)
    bw_np, bw_nb = bandwidth(512 * 2**20)
    bw_np_small, bw_nb_small = bandwidth(n_steps * bytes_per_step // 2)
    bw = max(bw_np, bw_nb)
    floor = bw / bytes_per_step
    rows.append((f"bandwidth floor, large copy ({bw / 1e9:.1f} GB/s, {bytes_per_step} B/step)",
                 floor, None, None, f"numpy {bw_np / 1e9:.1f}, numba {bw_nb / 1e9:.1f} GB/s"))
    bws = max(bw_np_small, bw_nb_small)
    rows.append((f"  same-size copy (in cache, {bws / 1e9:.1f} GB/s)", bws / bytes_per_step,
                 None, None, "working set of this run"))

    # Bayes grid over alpha: G = 200 Kalman filters per sequence
    alphas, lp = uniform_grid(0.5, 0.99, 200)
    t_bg, c_bg = best_times(lambda: bayes_grid_predict(x, A_POLE, alphas, lp), max(2, reps // 2))
    set_num_threads(1)
    t_bg1, c_bg1 = best_times(lambda: bayes_grid_predict(x, A_POLE, alphas, lp), 2)
    set_num_threads(nthreads)

    ours = rows[0][1]
    table = Table(title=f"Oracle filters: B={B}, T={T}, d=2, m=1, R=0 "
                        f"(a={A_POLE}, alpha={ALPHA}); {get_num_threads()} numba threads, "
                        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    table.add_column("implementation")
    table.add_column("seq-steps/s (wall)", justify="right")
    table.add_column("per CPU-second", justify="right")
    table.add_column("ours / this (wall)", justify="right")
    table.add_column("max |dz| vs ours", justify="right")
    table.add_column("note")
    for name, rate, cpu_rate, err, note in rows:
        table.add_row(name, f"{rate:.3g}" if rate else "-",
                      f"{cpu_rate:.3g}" if cpu_rate else "-",
                      f"{ours / rate:.2f}x" if rate else "-",
                      f"{err:.1e}" if err is not None else "-", note)
    table.add_row("Bayes grid over alpha (G=200 filters/seq)", f"{n_steps / t_bg:.3g}",
                  f"{n_steps / c_bg:.3g}", "-", "-",
                  f"{t_bg:.3f} s wall ({c_bg:.3f} CPU-s); 1 thread {t_bg1:.3f} s wall "
                  f"({c_bg1:.3f} CPU-s)")
    console.print(table)
    assert ours is not None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    console.print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    shared_1 = rows[1][1] or 0.0
    per_seq_1 = rows[6][1] or 0.0
    best_shared = max(ours, shared_1)
    best_per_seq = max(per_seq, per_seq_1)
    console.print(f"targets (wall clock, best of default {nthreads} threads / 1 thread):")
    console.print(f"  shared gains >= 5e8 seq-steps/s: {best_shared:.3g} -> "
                  f"{verdict(best_shared >= 5e8)} (per CPU-second: {rows[1][2]:.3g} on 1 thread)")
    console.print(f"  within 5x of the bandwidth floor {floor:.3g}: {floor / best_shared:.2f}x -> "
                  f"{verdict(floor / best_shared <= 5)}")
    console.print(f"  per-sequence covariance >= 1e8: {best_per_seq:.3g} -> "
                  f"{verdict(best_per_seq >= 1e8)} (per CPU-second: {rows[6][2]:.3g} on 1 thread)")
    console.print(f"  Bayes grid B={B}, T={T}, G=200 < 0.5 s: {min(t_bg, t_bg1):.3f} s -> "
                  f"{verdict(min(t_bg, t_bg1) < 0.5)} ({c_bg1:.3f} CPU-s on 1 thread)")
    console.print("Timings are best-of-N on a machine that may be shared with other jobs: wall "
                  "time includes waiting for a core (and parallel regions wait for their slowest "
                  "thread); 'per CPU-second' divides by this process's CPU time instead.")


if __name__ == "__main__":
    main()
