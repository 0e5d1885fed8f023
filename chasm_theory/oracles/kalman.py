"""Batched Kalman filtering (float64): the oracle filters of the papers.

Convention (see :mod:`chasm_theory.lgssm`): prior z_0 ~ N(m0, P0) = (z_{0|0}, P_{0|0}); for
t = 1..T predict z_{t|t-1} = A z_{t-1|t-1}, P_{t|t-1} = A P_{t-1|t-1} A^T + Q, then update
with x_t. Array index t = 0..T-1 holds time t+1.

* :func:`riccati_gains` -- the data-independent covariance recursion (computed once, shared
  across the batch).
* :func:`kalman_filter` -- exact time-varying filter with shared gains (numba, lanes innermost).
* :func:`steady_state_filter` -- the papers' oracle (000 App C.7.5): constant DARE gain from m0,
  z_{t|t} = (I - K C) A z_{t-1|t-1} + K x_t. Exact conditioning iff P0 = the DARE's P_filt.
* :func:`kalman_filter_per_sequence` -- each sequence carries its own covariance (and may have
  its own parameters).
* :func:`kalman_filter_numpy` -- a plain vectorised-numpy reference (benchmark baseline).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from chasm_theory.errors import NumericalError, ValidationError
from chasm_theory.oracles import _kalman_kernels as kk
from chasm_theory.oracles.dare import DareSolution, solve_filter_dare
from chasm_theory.oracles.lgssm import LGSSMParams, validate_observations

__all__ = [
    "Gains", "KalmanResult", "riccati_gains", "kalman_filter", "steady_state_filter",
    "kalman_filter_per_sequence", "kalman_filter_numpy", "filter_means", "stack_params",
]

_LOG2PI = float(np.log(2.0 * np.pi))


class Gains(NamedTuple):
    """Data-independent filter quantities, index t = 0..T-1 for time t+1.

    K: (T, d, m) gains; P_pred: (T, d, d) P_{t|t-1}; P_filt: (T, d, d) P_{t|t};
    S: (T, m, m) innovation covariances; S_chol: (T, m, m) lower Cholesky factors of S;
    logdet_S: (T,) log det S_t.
    """

    K: np.ndarray
    P_pred: np.ndarray
    P_filt: np.ndarray
    S: np.ndarray
    S_chol: np.ndarray
    logdet_S: np.ndarray


class KalmanResult(NamedTuple):
    """Filter outputs for a batch of B sequences of length T.

    filtered_means: (B, T, d) z_{t|t} = E[z_t | x_1..x_t];
    predicted_means: (B, T, d) z_{t|t-1};
    predicted_obs: (B, T, m) E[x_t | x_1..x_{t-1}] = C z_{t|t-1};
    one_step: (B, T, m) E[x_{t+1} | x_1..x_t] = C A z_{t|t} (prediction of the next observation);
    innovations: (B, T, m) x_t - C z_{t|t-1};
    log_likelihood: (B,) log p(x_1..x_T) (exact for kalman_filter and the per-sequence filter;
    for steady_state_filter the Gaussian likelihood of the innovations under the constant S);
    gains: the shared :class:`Gains` (None for the per-sequence filter);
    P_filt_last: (B, d, d) P_{T|T} of each sequence (a broadcast view when shared).
    """

    filtered_means: np.ndarray
    predicted_means: np.ndarray
    predicted_obs: np.ndarray
    one_step: np.ndarray
    innovations: np.ndarray
    log_likelihood: np.ndarray
    gains: Gains | None
    P_filt_last: np.ndarray


def _check_params(params: LGSSMParams) -> LGSSMParams:
    if not isinstance(params, LGSSMParams):
        raise ValidationError("params", "must be an LGSSMParams (use make_lgssm)",
                              f"got {type(params).__name__}")
    return params


def riccati_gains(params: LGSSMParams, T: int) -> Gains:
    """Time-varying covariance recursion for T steps from P_{0|0} = P0 (Joseph update,
    Cholesky solves). Raises :class:`NumericalError` naming the step (1-based time) at which
    S_t = C P_{t|t-1} C^T + R is not positive definite.
    """
    params = _check_params(params)
    if isinstance(T, bool) or int(T) != T or int(T) < 1:
        raise ValidationError("T", "must be a positive integer", f"got {T!r}")
    T = int(T)
    A, C, Q, R, _m0, P0 = params
    d, m = A.shape[0], C.shape[0]
    K = np.empty((T, d, m))
    Pp = np.empty((T, d, d))
    Pf = np.empty((T, d, d))
    S = np.empty((T, m, m))
    L = np.empty((T, m, m))
    status = kk.riccati_kernel(A, C, Q, R, P0, T, K, Pp, Pf, S, L)
    if status >= 0:
        raise NumericalError(f"Riccati recursion: innovation covariance S_t is not positive "
                             f"definite at step t = {status + 1} (eigenvalues "
                             f"{np.linalg.eigvalsh(C @ _pp_at(params, status) @ C.T + R)}); "
                             "R = 0 needs C Q C^T > 0")
    logdet = 2.0 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)
    return Gains(K, Pp, Pf, S, L, logdet)


def _pp_at(params: LGSSMParams, t: int) -> np.ndarray:
    """P_{t+1|t} recomputed in numpy (for the error message only)."""
    A, C, Q, R, _m0, P = params
    for _ in range(t + 1):
        Pp = A @ P @ A.T + Q
        if _ < t:
            S = C @ Pp @ C.T + R
            K = np.linalg.solve(S, C @ Pp).T
            P = Pp - K @ S @ K.T
    return Pp


def _check_gains(gains: Gains, T: int, d: int, m: int) -> None:
    if gains.K.shape[0] < T or gains.K.shape[1:] != (d, m):
        raise ValidationError("gains", f"must cover T = {T} steps with K of shape (T, {d}, {m})",
                              f"got K of shape {gains.K.shape}")


def _run_shared(params: LGSSMParams, x: np.ndarray, gains: Gains, full: bool = True
                ) -> tuple[np.ndarray, ...]:
    A, C, _Q, _R, m0, _P0 = params
    B, T, m = x.shape
    d = A.shape[0]
    K = np.ascontiguousarray(gains.K[:T])
    filt = np.empty((B, T, d))
    if full:
        pred = np.empty((B, T, d))
        pobs = np.empty((B, T, m))
        ones = np.empty((B, T, m))
        inn = np.empty((B, T, m))
    else:
        pred = np.empty((1, 1, d))
        pobs = ones = inn = np.empty((1, 1, m))
    quad = np.empty(B)
    if d == 2 and m == 1:
        il = np.ascontiguousarray(1.0 / gains.S_chol[:T, 0, 0])
        kk.filter_d2m1(x, A, C, K, il, m0, kk.LANES, full, filt, pred, pobs, ones, inn, quad)
    else:
        Lc = np.ascontiguousarray(gains.S_chol[:T])
        kk.filter_generic(x, A, C, K, Lc, m0, full, filt, pred, pobs, ones, inn, quad)
    ll = -0.5 * (quad + float(np.sum(gains.logdet_S[:T])) + T * m * _LOG2PI)
    return filt, pred, pobs, ones, inn, ll


def kalman_filter(params: LGSSMParams, x: object, gains: Gains | None = None) -> KalmanResult:
    """Exact Kalman filter of a batch with shared (time-varying) gains.

    params: :class:`LGSSMParams`; x: (B, T, m) or (B, T) when m = 1; gains: from
    :func:`riccati_gains` (computed here if None; may cover more than T steps).
    """
    params = _check_params(params)
    xa = validate_observations(x, params.m)
    T = xa.shape[1]
    if gains is None:
        gains = riccati_gains(params, T)
    _check_gains(gains, T, params.d, params.m)
    filt, pred, pobs, ones, inn, ll = _run_shared(params, xa, gains)
    Pl = np.broadcast_to(gains.P_filt[T - 1], (xa.shape[0],) + gains.P_filt.shape[1:])
    return KalmanResult(filt, pred, pobs, ones, inn, ll, gains, Pl)


def filter_means(params: LGSSMParams, x: object, gains: Gains | None = None
                 ) -> np.ndarray:
    """Only the filtered means z_{t|t}: (B, T, d) (the lean hot path; same numbers as
    ``kalman_filter(...).filtered_means``)."""
    params = _check_params(params)
    xa = validate_observations(x, params.m)
    T = xa.shape[1]
    if gains is None:
        gains = riccati_gains(params, T)
    _check_gains(gains, T, params.d, params.m)
    return _run_shared(params, xa, gains, full=False)[0]


def steady_state_gains(sol: DareSolution, T: int) -> Gains:
    """The constant DARE quantities repeated T times, as :class:`Gains`."""
    L = np.linalg.cholesky(sol.S)
    rep = lambda M: np.ascontiguousarray(np.broadcast_to(M, (T,) + M.shape))  # noqa: E731
    logdet = np.full(T, 2.0 * float(np.sum(np.log(np.diag(L)))))
    return Gains(rep(sol.K), rep(sol.P_pred), rep(sol.P_filt), rep(sol.S), rep(L), logdet)


def steady_state_filter(params: LGSSMParams, x: object,
                        dare: DareSolution | None = None) -> KalmanResult:
    """The papers' oracle: constant steady-state gain K from the DARE, started at m0:
    z_{t|t} = (I - K C) A z_{t-1|t-1} + K x_t. x: (B, T, m) or (B, T).

    It equals exact conditioning when P0 = dare.P_filt (the filter starts in steady state);
    from any other prior it converges to it at the rate rho((I - K C) A).
    log_likelihood is the Gaussian log density of the innovations under the steady S.
    """
    params = _check_params(params)
    xa = validate_observations(x, params.m)
    T = xa.shape[1]
    if dare is None:
        dare = solve_filter_dare(params.A, params.C, params.Q, params.R)
    gains = steady_state_gains(dare, T)
    filt, pred, pobs, ones, inn, ll = _run_shared(params, xa, gains)
    Pl = np.broadcast_to(dare.P_filt, (xa.shape[0],) + dare.P_filt.shape)
    return KalmanResult(filt, pred, pobs, ones, inn, ll, gains, Pl)


def stack_params(params: LGSSMParams | list[LGSSMParams], B: int) -> tuple[np.ndarray, ...]:
    """Per-sequence parameter arrays (A (B,d,d), C (B,m,d), Q, R, m0 (B,d), P0) from one
    :class:`LGSSMParams` (broadcast), a list of B of them, or an LGSSMParams whose fields
    already carry a leading batch axis."""
    if isinstance(params, (list, tuple)) and not isinstance(params, LGSSMParams):
        if len(params) != B:
            raise ValidationError("params", f"must list one LGSSMParams per sequence ({B})",
                                  f"got {len(params)}")
        fields = [np.stack([np.asarray(p[i], dtype=np.float64) for p in params])
                  for i in range(6)]
    else:
        fields = [np.asarray(f, dtype=np.float64) for f in params]
        if fields[0].ndim == 2:
            fields = [np.broadcast_to(f, (B,) + f.shape) for f in fields]
        elif fields[0].shape[0] != B:
            raise ValidationError("params", f"batched parameters must have leading size {B}",
                                  f"got A of shape {fields[0].shape}")
    return tuple(np.ascontiguousarray(f) for f in fields)


def kalman_filter_per_sequence(params: LGSSMParams | list[LGSSMParams], x: object,
                               *, full: bool = True) -> KalmanResult:
    """Kalman filter in which every sequence carries its own covariance recursion.

    params: one :class:`LGSSMParams` (shared values, recomputed per sequence), a list of B
    validated LGSSMParams, or an LGSSMParams with batched fields (A (B, d, d), ...).
    x: (B, T, m) or (B, T). ``full=False`` (d = 2, m = 1 fast path) fills only filtered_means,
    one_step and log_likelihood; the other fields are empty (0-size) arrays.
    """
    if isinstance(params, LGSSMParams) and np.ndim(params.A) == 2:
        m = params.C.shape[0]
    else:
        first = params[0] if isinstance(params, (list, tuple)) and not isinstance(
            params, LGSSMParams) else None
        m = (first.C.shape[0] if first is not None else np.shape(params.C)[1])
    xa = validate_observations(x, m)
    B, T, _ = xa.shape
    A, C, Q, R, m0, P0 = stack_params(params, B)
    d = A.shape[1]
    if not full and d == 2 and m == 1:
        filt = np.empty((B, T, 2))
        ones = np.empty((B, T, 1))
        ll = np.empty(B)
        bad = kk.filter_per_sequence_d2m1(xa, A, C, Q, R, m0, P0, kk.LANES, filt, ones, ll)
        if bad >= 0:
            raise NumericalError(f"per-sequence filter: S_t not positive definite in "
                                 f"sequence {bad}")
        empty = np.empty((B, 0, d))
        return KalmanResult(filt, empty, np.empty((B, 0, m)), ones, np.empty((B, 0, m)), ll,
                            None, np.empty((B, 0, 0)))
    filt = np.empty((B, T, d))
    pred = np.empty((B, T, d))
    pobs = np.empty((B, T, m))
    ones = np.empty((B, T, m))
    inn = np.empty((B, T, m))
    ll = np.empty(B)
    Pf = np.empty((B, d, d))
    Pp = np.empty((B, d, d))
    status = kk.filter_per_sequence(xa, A, C, Q, R, m0, P0, filt, pred, pobs, ones, inn, ll,
                                    Pf, Pp)
    if status >= 0:
        raise NumericalError(f"per-sequence filter: S_t not positive definite in sequence "
                             f"{status // T} at step t = {status % T + 1}")
    return KalmanResult(filt, pred, pobs, ones, inn, ll, None, Pf)


def kalman_filter_numpy(params: LGSSMParams, x: object, gains: Gains | None = None
                        ) -> KalmanResult:
    """Reference implementation in vectorised numpy (loop over time, batch vectorised)."""
    params = _check_params(params)
    xa = validate_observations(x, params.m)
    B, T, m = xa.shape
    A, C, _Q, _R, m0, _P0 = params
    d = A.shape[0]
    if gains is None:
        gains = riccati_gains(params, T)
    filt = np.empty((B, T, d))
    pred = np.empty((B, T, d))
    inn = np.empty((B, T, m))
    quad = np.zeros(B)
    z = np.broadcast_to(m0, (B, d)).copy()
    for t in range(T):
        p = z @ A.T
        e = xa[:, t] - p @ C.T
        z = p + e @ gains.K[t].T
        w = np.linalg.solve(gains.S_chol[t], e.T)  # triangular system, small
        quad += np.sum(w * w, axis=0)
        filt[:, t] = z
        pred[:, t] = p
        inn[:, t] = e
    pobs = xa - inn
    ones = filt @ (C @ A).T
    ll = -0.5 * (quad + float(np.sum(gains.logdet_S[:T])) + T * m * _LOG2PI)
    Pl = np.broadcast_to(gains.P_filt[T - 1], (B, d, d))
    return KalmanResult(filt, pred, pobs, ones, inn, ll, gains, Pl)
