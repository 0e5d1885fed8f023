"""Reference posteriors for checking the SMC posterior predictive (grid and importance
sampling), and the one-parameter models they need.

* :class:`ColoredNoiseAlpha` -- the colored-noise task (000 Thm 2 / 001 App B.2) with the noise
  pole alpha ~ U(lo, hi) unknown, as a 1-d latent eta ~ N(0, 1), alpha = lo + (hi - lo) Phi(eta);
  likelihoods and predictions from the core's per-sequence Kalman filter. Its grid oracle is
  :func:`chasm_theory.oracles.bayes_grid.bayes_grid_predict`.
* :class:`LatentSlice` -- a model with all latent coordinates fixed but a chosen few (e.g. one
  coordinate of the d = 4 prior of :mod:`chasm_theory.oracles.posterior_lgssm`); the conditional
  prior of the free coordinates is again N(0, I) since the latent prior is N(0, I_D).
* :func:`slice_grid_predictive` -- the grid posterior predictive of a one-coordinate slice
  (midpoint quadrature of the N(0, 1) prior on [-w, w]), with likelihoods from the core's
  per-sequence Kalman filter on the parameters of :func:`theta_from_latent`.
* :func:`importance_sampling_predictive` -- self-normalised importance sampling from the prior
  (M latent draws, the core's per-sequence filter), with its delta-method standard error and
  effective sample size: reliable on short contexts only.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.kalman import kalman_filter_per_sequence
from chasm_theory.oracles.lgssm import LGSSMParams
from chasm_theory.oracles.posterior_lgssm import LgssmPrior, theta_from_latent

__all__ = ["ColoredNoiseAlpha", "LatentSlice", "slice_grid_predictive",
           "importance_sampling_predictive"]


class ColoredNoiseAlpha:
    """x_t = z_t + v_t, z AR(1) with pole a (noise variance q), v AR(1) with pole alpha and unit
    marginal variance; alpha unknown with prior U(lo, hi). Observations (n, k, 1)."""

    dim = 1

    def __init__(self, a: float = 0.9, lo: float = 0.5, hi: float = 0.99, q: float = 1.0) -> None:
        if not (-1.0 < lo < hi < 1.0):
            raise ValidationError("alpha range", "must satisfy -1 < lo < hi < 1", f"got {lo, hi}")
        if not abs(a) < 1.0:
            raise ValidationError("a", "must satisfy |a| < 1", f"got {a!r}")
        self.a, self.lo, self.hi, self.q = float(a), float(lo), float(hi), float(q)

    def alpha(self, eta: np.ndarray) -> np.ndarray:
        """alpha (B,) from latents eta (B,)."""
        return self.lo + (self.hi - self.lo) * ndtr(eta)

    def loglik_pred(self, xi: np.ndarray, x: np.ndarray, ctx: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """xi (B, 1), x (n, k, 1), ctx (B,) -> log p(x_ctx | alpha) (B,) and the predictions
        E[x_{k+1} | x_ctx, alpha] (B, 1)."""
        al = self.alpha(xi[:, 0])
        B = al.size
        A = np.zeros((B, 2, 2))
        A[:, 0, 0] = self.a
        A[:, 1, 1] = al
        Q = np.zeros((B, 2, 2))
        Q[:, 0, 0] = self.q
        Q[:, 1, 1] = 1.0 - al * al
        P0 = np.zeros((B, 2, 2))
        P0[:, 0, 0] = self.q / (1.0 - self.a ** 2)
        P0[:, 1, 1] = 1.0
        C = np.ones((B, 1, 2))
        params = LGSSMParams(A, C, Q, np.zeros((B, 1, 1)), np.zeros((B, 2)), P0)
        res = kalman_filter_per_sequence(params, x[ctx], full=False)
        return res.log_likelihood, res.one_step[:, -1]


class LatentSlice:
    """The model ``base`` with latents xi0 (D,) fixed except the coordinates ``free``."""

    def __init__(self, base: LgssmPrior, xi0: np.ndarray, free: list[int]) -> None:
        xi0 = np.asarray(xi0, dtype=np.float64)
        if xi0.shape != (base.dim,):
            raise ValidationError("xi0", f"must have shape ({base.dim},)", f"got {xi0.shape}")
        if not free or any(not 0 <= i < base.dim for i in free):
            raise ValidationError("free", f"must list coordinates in [0, {base.dim})",
                                  f"got {free}")
        self.base, self.xi0, self.free = base, xi0, list(free)
        self.dim = len(self.free)

    def full(self, xi: np.ndarray) -> np.ndarray:
        """Full latents (B, D) from the free coordinates (B, len(free))."""
        out = np.repeat(self.xi0[None], xi.shape[0], axis=0)
        out[:, self.free] = xi
        return out

    def loglik_pred(self, xi: np.ndarray, x: np.ndarray, ctx: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        return self.base.loglik_pred(self.full(xi), x, ctx)


def slice_grid_predictive(x: np.ndarray, xi0: np.ndarray, index: int, m: int = 2,
                          G: int = 4001, width: float = 8.0) -> np.ndarray:
    """Posterior predictive mean (n, m) after each context x (n, k, m) when only latent
    coordinate ``index`` of the d = 4 prior is unknown (N(0, 1) prior, the others at xi0):
    midpoint rule on G points of [-width, width], likelihoods and predictions from
    :func:`kalman_filter_per_sequence` (independent of the SMC's fused kernel)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    h = 2.0 * width / G
    grid = -width + (np.arange(G) + 0.5) * h
    lat = np.repeat(np.asarray(xi0, dtype=np.float64)[None], G, axis=0)
    lat[:, index] = grid
    A, C, Q, R, m0, P0 = theta_from_latent(lat, m)
    out = np.empty((n, m))
    for i in range(n):
        res = kalman_filter_per_sequence(LGSSMParams(A, C, Q, R, m0, P0),
                                         np.repeat(x[i:i + 1], G, axis=0))
        lw = res.log_likelihood - 0.5 * grid ** 2
        w = np.exp(lw - lw.max())
        out[i] = (w[:, None] * res.one_step[:, -1]).sum(0) / w.sum()
    return out


def importance_sampling_predictive(x: np.ndarray, M: int, seed: int, m: int = 2,
                                   chunk: int = 100_000
                                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior predictive mean (n, m) after each context x (n, k, m) by importance sampling
    with M prior draws (the same draws for every context), its standard error (n, m)
    (delta method: sqrt(sum_j w_j^2 (pred_j - mean)^2) for normalised weights w) and the ESS
    (n,) = 1 / sum_j w_j^2. Likelihoods from :func:`kalman_filter_per_sequence`."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != m:
        raise ValidationError("x", f"must have shape (n, k, {m})", f"got {x.shape}")
    if isinstance(M, bool) or int(M) != M or M < 2:
        raise ValidationError("M", "must be an integer >= 2", f"got {M!r}")
    n = x.shape[0]
    rng = np.random.default_rng([int(seed), 17])
    lls, preds = np.empty((n, M)), np.empty((n, M, m))
    for s in range(0, M, chunk):
        b = min(chunk, M - s)
        prm = LGSSMParams(*theta_from_latent(rng.standard_normal((b, LgssmPrior(m).dim)), m))
        for i in range(n):
            res = kalman_filter_per_sequence(prm, np.repeat(x[i:i + 1], b, axis=0))
            lls[i, s:s + b] = res.log_likelihood
            preds[i, s:s + b] = res.one_step[:, -1]
    w = np.exp(lls - lls.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    mean = np.einsum("nj,njm->nm", w, preds)
    se = np.sqrt(np.einsum("nj,njm->nm", w ** 2, (preds - mean[:, None]) ** 2))
    return mean, se, 1.0 / (w ** 2).sum(axis=1)
