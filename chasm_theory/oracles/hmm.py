"""Random discrete HMMs (000 Exp VI, App C.5; 001 §5.2, App B.3) and their predictive oracles.

* :func:`random_hmms`: per task, transition rows ~ Dirichlet(α_trans), emission rows ~
  Dirichlet(α_emit), initial state uniform (the papers do not say; we use uniform).
* :func:`sample_sequences`: one sequence per task (numba).
* :func:`forward_predict`: the forward algorithm with the *true* HMM, batched over sequences
  (numba, parallel over the batch): for every prefix x_1..x_t (t = 0..T−1) the predictive
  p(x_{t+1} | x_{1:t}), returned as its arg-max, the log-probability of the realised next
  symbol, and optionally the whole distribution. :func:`forward_predict_numpy` is the same
  recursion vectorised in numpy; :func:`brute_force_predictive` enumerates state paths (tiny
  HMMs only) — the independent oracle the tests compare against.
* :func:`bigram_predict`: the in-context count estimator (interpolated Dirichlet-smoothed
  bigram, i.e. the Bayes predictive of an observable first-order Markov chain over symbols with
  a Dirichlet prior — the "Laplacian smoothing" estimator that selective SSMs are known to
  implement in context for Markov chains, 001 ref [1]). The Bayes predictive under the true
  prior over HMMs (posterior over the unknown transition and emission matrices) is intractable
  exactly; this is the best closed-form in-context estimator we use, and the forward oracle
  with the true HMM is an upper bound on every in-context predictor.
* :func:`unigram_predict`: the in-context unigram (Dirichlet-smoothed symbol frequencies so
  far), the first stage of in-context learning and the baseline a trained model must beat.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numba
import numpy as np

from chasm_theory.errors import ValidationError

__all__ = [
    "HMMBatch",
    "random_hmms",
    "sample_sequences",
    "forward_predict",
    "forward_predict_numpy",
    "brute_force_predictive",
    "bigram_predict",
    "unigram_predict",
    "Prediction",
]


class HMMBatch(NamedTuple):
    """B HMMs: ``pi`` (B, S), ``trans`` (B, S, S) rows sum to 1, ``emit`` (B, S, V)."""

    pi: np.ndarray
    trans: np.ndarray
    emit: np.ndarray


class Prediction(NamedTuple):
    """Per position t = 0..T−1 (the prediction of x_{t+1} from x_{1:t}): ``top1`` (B, T) argmax
    symbol, ``logp`` (B, T) log-probability of the realised symbol, ``probs`` (B, T, V) or None."""

    top1: np.ndarray
    logp: np.ndarray
    probs: np.ndarray | None


def _pos_int(name: str, v: int) -> int:
    if not isinstance(v, (int, np.integer)) or v < 1:
        raise ValidationError(name, "must be a positive integer", repr(v))
    return int(v)


def random_hmms(
    B: int,
    n_states: int,
    n_symbols: int,
    alpha_trans: float,
    alpha_emit: float,
    rng: np.random.Generator,
) -> HMMBatch:
    """B independent HMMs with Dirichlet rows (uniform initial distribution)."""
    B, S, V = _pos_int("B", B), _pos_int("n_states", n_states), _pos_int("n_symbols", n_symbols)
    for name, a in (("alpha_trans", alpha_trans), ("alpha_emit", alpha_emit)):
        if not (a > 0 and math.isfinite(a)):
            raise ValidationError(name, "must be a positive finite concentration", repr(a))

    # Dirichlet via normalised Gammas; tiny concentrations can underflow every entry of a row
    # to 0, in which case that row puts its mass on one uniformly chosen entry (the limit law).
    def rows(n: int, k: int, a: float) -> np.ndarray:
        g = rng.gamma(a, 1.0, size=(n, k))
        s = g.sum(-1, keepdims=True)
        bad = s[:, 0] == 0
        if bad.any():
            g[bad] = 0.0
            g[bad, rng.integers(0, k, int(bad.sum()))] = 1.0
            s = g.sum(-1, keepdims=True)
        return g / s

    trans = rows(B * S, S, alpha_trans).reshape(B, S, S)
    emit = rows(B * S, V, alpha_emit).reshape(B, S, V)
    pi = np.full((B, S), 1.0 / S)
    return HMMBatch(pi, trans, emit)


@numba.njit(cache=True)
def _sample_kernel(pi, trans, emit, u_state, u_sym):  # pragma: no cover - compiled
    B, T = u_state.shape
    S = pi.shape[1]
    V = emit.shape[2]
    obs = np.empty((B, T), dtype=np.int64)
    states = np.empty((B, T), dtype=np.int64)
    for b in range(B):
        s = 0
        for t in range(T):
            dist = pi[b] if t == 0 else trans[b, s]
            acc = 0.0
            s_new = S - 1
            for j in range(S):
                acc += dist[j]
                if u_state[b, t] < acc:
                    s_new = j
                    break
            s = s_new
            acc = 0.0
            v_new = V - 1
            for v in range(V):
                acc += emit[b, s, v]
                if u_sym[b, t] < acc:
                    v_new = v
                    break
            states[b, t] = s
            obs[b, t] = v_new
    return obs, states


def sample_sequences(
    hmm: HMMBatch, T: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One sequence of length T per HMM: (obs (B, T) int64, states (B, T) int64)."""
    T = _pos_int("T", T)
    B = hmm.pi.shape[0]
    u1 = rng.random((B, T))
    u2 = rng.random((B, T))
    return _sample_kernel(
        np.ascontiguousarray(hmm.pi),
        np.ascontiguousarray(hmm.trans),
        np.ascontiguousarray(hmm.emit),
        u1,
        u2,
    )


@numba.njit(cache=True)
def _weighted_rows(out, w, M):  # pragma: no cover - compiled
    """out[:] = w @ M (w (S,), M (S, N)), rows of zero weight skipped."""
    for j in range(out.shape[0]):
        out[j] = 0.0
    for s in range(w.shape[0]):
        ws = w[s]
        if ws != 0.0:
            for j in range(out.shape[0]):
                out[j] += ws * M[s, j]


@numba.njit(cache=True)
def _first_argmax(p):  # pragma: no cover - compiled
    """Index of the first largest entry of p (V,)."""
    best = 0
    for v in range(1, p.shape[0]):
        if p[v] > p[best]:
            best = v
    return best


@numba.njit(parallel=True, cache=True)
def _forward_kernel(pi, trans, emit, obs, want_probs):  # pragma: no cover - compiled
    B, T = obs.shape
    S = pi.shape[1]
    V = emit.shape[2]
    top1 = np.empty((B, T), dtype=np.int64)
    logp = np.empty((B, T))
    probs = np.empty((B, T, V)) if want_probs else np.empty((1, 1, 1))
    for b in numba.prange(B):
        prior = pi[b].copy()  # p(z_{t+1} | x_{1:t})
        post = np.empty(S)
        pv = np.empty(V)
        for t in range(T):
            _weighted_rows(pv, prior, emit[b])  # predictive over symbols
            top1[b, t] = _first_argmax(pv)
            x = obs[b, t]
            logp[b, t] = math.log(pv[x]) if pv[x] > 0 else -np.inf
            if want_probs:
                for v in range(V):
                    probs[b, t, v] = pv[v]
            # condition on x_{t+1} = obs[b, t], then propagate
            z = 0.0
            for s in range(S):
                post[s] = prior[s] * emit[b, s, x]
                z += post[s]
            if z > 0:
                for s in range(S):
                    post[s] /= z
            _weighted_rows(prior, post, trans[b])
    return top1, logp, probs


def _check_obs(hmm: HMMBatch, obs: np.ndarray) -> np.ndarray:
    obs = np.ascontiguousarray(np.asarray(obs, dtype=np.int64))
    if obs.ndim != 2 or obs.shape[0] != hmm.pi.shape[0]:
        raise ValidationError("obs", "must have shape (B, T) with one row per HMM", str(obs.shape))
    V = hmm.emit.shape[2]
    if obs.size and (obs.min() < 0 or obs.max() >= V):
        raise ValidationError("obs", f"symbols must lie in 0..{V - 1}", f"{obs.min()}..{obs.max()}")
    return obs


def forward_predict(hmm: HMMBatch, obs: np.ndarray, want_probs: bool = False) -> Prediction:
    """Forward-algorithm predictive with the true HMM; obs (B, T) -> :class:`Prediction`."""
    obs = _check_obs(hmm, obs)
    top1, logp, probs = _forward_kernel(
        np.ascontiguousarray(hmm.pi),
        np.ascontiguousarray(hmm.trans),
        np.ascontiguousarray(hmm.emit),
        obs,
        want_probs,
    )
    return Prediction(top1, logp, probs if want_probs else None)


def forward_predict_numpy(hmm: HMMBatch, obs: np.ndarray) -> Prediction:
    """The same recursion vectorised over the batch in numpy (benchmark and cross-check)."""
    obs = _check_obs(hmm, obs)
    B, T = obs.shape
    V = hmm.emit.shape[2]
    prior = hmm.pi.copy()
    probs = np.empty((B, T, V))
    ar = np.arange(B)
    for t in range(T):
        probs[:, t] = np.einsum("bs,bsv->bv", prior, hmm.emit)
        post = prior * hmm.emit[ar, :, obs[:, t]]
        post /= post.sum(-1, keepdims=True)
        prior = np.einsum("bs,bsj->bj", post, hmm.trans)
    with np.errstate(divide="ignore"):
        logp = np.log(probs[ar[:, None], np.arange(T)[None, :], obs])
    return Prediction(probs.argmax(-1), logp, probs)


def brute_force_predictive(
    pi: np.ndarray, trans: np.ndarray, emit: np.ndarray, obs: np.ndarray
) -> np.ndarray:
    """p(x_{t+1} = v | x_{1:t}) for t = 0..T−1 by summing over all state paths (S^T terms);
    one HMM (pi (S,), trans (S, S), emit (S, V)), one sequence obs (T,) -> (T, V)."""
    S, V = emit.shape
    T = len(obs)
    if S**T > 200_000:
        raise ValidationError("obs", "brute force needs S**T <= 200000", f"S={S}, T={T}")

    def joint(prefix: list[int]) -> float:
        tot = 0.0
        for path in itertools.product(range(S), repeat=len(prefix)):
            p = pi[path[0]] * emit[path[0], prefix[0]]
            for t in range(1, len(prefix)):
                p *= trans[path[t - 1], path[t]] * emit[path[t], prefix[t]]
            tot += p
        return tot

    out = np.empty((T, V))
    for t in range(T):
        base = joint(list(obs[:t])) if t else 1.0
        for v in range(V):
            out[t, v] = joint(list(obs[:t]) + [v]) / base
    return out


@numba.njit(parallel=True, cache=True)
def _bigram_kernel(obs, V, beta_uni, beta_bi):  # pragma: no cover - compiled
    B, T = obs.shape
    top1 = np.empty((B, T), dtype=np.int64)
    logp = np.empty((B, T))
    for b in numba.prange(B):
        uni = np.zeros(V)
        bi = np.zeros((V, V))
        prev = -1
        p = np.empty(V)
        for t in range(T):
            if prev >= 0:
                row_tot = 0.0
                for v in range(V):
                    row_tot += bi[prev, v]
            else:
                row_tot = 0.0
            for v in range(V):
                pu = (uni[v] + beta_uni) / (t + V * beta_uni)  # t symbols counted so far
                if prev >= 0:
                    p[v] = (bi[prev, v] + beta_bi * pu) / (row_tot + beta_bi)
                else:
                    p[v] = pu
            top1[b, t] = _first_argmax(p)
            x = obs[b, t]
            logp[b, t] = math.log(p[x])
            uni[x] += 1.0
            if prev >= 0:
                bi[prev, x] += 1.0
            prev = x
    return top1, logp


def bigram_predict(
    obs: np.ndarray, n_symbols: int, beta_uni: float = 0.1, beta_bi: float = 1.0
) -> Prediction:
    """In-context interpolated bigram estimator: p(v | u) = (c(u, v) + β_bi p_uni(v)) /
    (c(u) + β_bi), p_uni(v) = (c(v) + β_uni) / (n + V β_uni), counts from x_{1:t} only.
    β_uni = 0.1 matches the emission Dirichlet concentration; β_bi = 1 (fixed a priori)."""
    obs = np.ascontiguousarray(np.asarray(obs, dtype=np.int64))
    V = _pos_int("n_symbols", n_symbols)
    if obs.ndim != 2:
        raise ValidationError("obs", "must have shape (B, T)", str(obs.shape))
    if not (beta_uni > 0 and beta_bi > 0):
        raise ValidationError("beta", "smoothing weights must be > 0", f"{beta_uni}, {beta_bi}")
    top1, logp = _bigram_kernel(obs, V, float(beta_uni), float(beta_bi))
    return Prediction(top1, logp, None)


def unigram_predict(obs: np.ndarray, n_symbols: int, beta: float = 0.1) -> Prediction:
    """In-context unigram: p(v) = (c(v) + β) / (t + V β), counts from x_{1:t} only; ``top1``
    the first most frequent symbol so far (symbol 0 before any). obs (B, T) -> Prediction."""
    obs = np.asarray(obs, dtype=np.int64)
    V = _pos_int("n_symbols", n_symbols)
    if obs.ndim != 2:
        raise ValidationError("obs", "must have shape (B, T)", str(obs.shape))
    if obs.size and (obs.min() < 0 or obs.max() >= V):
        raise ValidationError("obs", f"symbols must lie in [0, {V})", f"{obs.min()}..{obs.max()}")
    if not beta > 0:
        raise ValidationError("beta", "smoothing weight must be > 0", repr(beta))
    B, T = obs.shape
    counts = np.zeros((B, V))
    top1 = np.empty((B, T), dtype=np.int64)
    logp = np.empty((B, T))
    rows = np.arange(B)
    for t in range(T):  # counts of x_1..x_t, before x_(t+1) is seen
        top1[:, t] = counts.argmax(axis=1)
        logp[:, t] = np.log((counts[rows, obs[:, t]] + beta) / (t + V * beta))
        counts[rows, obs[:, t]] += 1.0
    return Prediction(top1, logp, None)
