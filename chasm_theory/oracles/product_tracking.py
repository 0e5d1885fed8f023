"""Non-commutative product tracking (000 Def 5, Lemma 1, Thm 1; App C.6): the task's matrix
distribution, its scale (Lyapunov exponent, E‖P_k‖²), and the hand-set Kronecker SSM.

Matrix distribution (000 App C.6, with the unstated parts made explicit):

    M = R(θ) · diag(s1, s2) + J,   θ ~ U(−θ_max, θ_max), s_i ~ U(s_lo, s_hi),
    J = [[0, j], [0, 0]],          j ~ U(−shear, shear)          (J's law is not given)

optionally normalised to |det M| = 1 (``normalize="det"``: M / sqrt|det M|), then held to the
paper's "bounded Frobenius norm (≤ 1.5)" by a cap rule: ``rescale`` (M ← M · 1.5/‖M‖_F when
‖M‖_F > 1.5), ``reject`` (resample) or ``none`` (no bound). Targets P_t = M_t ⋯ M_1 (P_0 = I).

The unstated parts decide the task's scale. The second moment E‖P_k‖_F² grows like
ρ(E[M ⊗ M])^k and the typical product like exp(λ₁ k) (top Lyapunov exponent); App C.6's
un-normalised family shrinks under a cap (log ρ < 0, λ₁ < 0) and grows in mean square without
one. :data:`TRAINED_LAW` (the default) is the candidate closest to norm-preserving, chosen by
:data:`TRAINED_LAW_RULE`; :data:`PREVIOUS_LAW` is the law used before (shear 0.2, rescale).

vec convention: column stacking, vec(P) = [P11, P21, P12, P22], so that
vec(M P) = (I ⊗ M) vec(P) (Lemma 1's transition A_t = I ⊗ M_t). Model inputs and targets are
row-major flattenings ``M.reshape(4)`` = [M11, M12, M21, M22]; :data:`ROW_FROM_COL` converts.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numba
import numpy as np

from chasm_theory.errors import ValidationError

__all__ = [
    "CAP_RULES",
    "NORMALIZE_RULES",
    "PREVIOUS_LAW",
    "ROW_FROM_COL",
    "TRAINED_LAW",
    "TRAINED_LAW_RULE",
    "MatrixLaw",
    "abs_product_bound",
    "commute_fraction",
    "gamma",
    "handset_kronecker_ssm",
    "kron_transition",
    "law_scale",
    "lyapunov_qr",
    "products_mpmath",
    "running_products",
    "sample_matrices",
    "second_moment_exact",
    "second_moment_mc",
    "second_moment_operator",
    "second_moment_rate",
    "vec_col",
    "choose_law",
]

# row-major flat index of each column-stacked entry: vec_col = [P11, P21, P12, P22]
ROW_FROM_COL = np.array([0, 2, 1, 3])
CAP_RULES = ("rescale", "reject", "none")
NORMALIZE_RULES = ("none", "det")


@dataclass(frozen=True)
class MatrixLaw:
    """The law of one factor M (see the module docstring). The defaults are
    :data:`TRAINED_LAW`: shear 0.1, det-normalised, rescale cap (the cap never binds for it)."""

    theta_max: float = 0.5
    s_lo: float = 0.8
    s_hi: float = 1.2
    shear: float = 0.1
    max_fro: float = 1.5
    cap: str = "rescale"  # "reject" (resample until ‖M‖_F ≤ max_fro) or "none" (no bound)
    normalize: str = "det"  # "det": M / sqrt|det M| before the cap; "none": as App C.6 writes M

    def __post_init__(self) -> None:
        if not (self.theta_max >= 0 and math.isfinite(self.theta_max)):
            raise ValidationError("theta_max", "must be finite and >= 0", repr(self.theta_max))
        if not (0 < self.s_lo <= self.s_hi and math.isfinite(self.s_hi)):
            raise ValidationError("s_lo/s_hi", "must satisfy 0 < s_lo <= s_hi < inf",
                                  f"{self.s_lo}, {self.s_hi}")
        if not (self.shear >= 0 and math.isfinite(self.shear)):
            raise ValidationError("shear", "must be finite and >= 0", repr(self.shear))
        if not (self.max_fro > 0):
            raise ValidationError("max_fro", "must be > 0", repr(self.max_fro))
        if self.cap not in CAP_RULES:
            raise ValidationError("cap", f"must be one of {CAP_RULES}", repr(self.cap))
        if self.normalize not in NORMALIZE_RULES:
            raise ValidationError("normalize", f"must be one of {NORMALIZE_RULES}",
                                  repr(self.normalize))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def name(self) -> str:
        """Short label, e.g. ``det/rescale/shear=0.1``."""
        return f"{self.normalize}/{self.cap}/shear={self.shear:g}"


TRAINED_LAW = MatrixLaw()
PREVIOUS_LAW = MatrixLaw(shear=0.2, cap="rescale", normalize="none")
TRAINED_LAW_RULE = (
    "fixed before any trained result was read: among laws consistent with App C.6 (the stated "
    "θ and s ranges, a non-zero shear perturbation J, every factor with ‖M‖_F ≤ 1.5), the "
    "trained runs use the one closest to norm-preserving, i.e. with the smallest "
    "max(|log ρ(E[M⊗M])|, 2|λ₁|): the per-step log-change of E‖P_k‖² and of the typical ‖P_k‖²; "
    "candidates: shear ∈ {0.1, 0.2, 0.3, 0.5} × cap {rescale, reject} × {as written, "
    "det-normalised}; ties (95% CIs of the criterion overlapping) go to the smaller shear, then "
    "to rescale before reject")


def _check_shape(name: str, v: int) -> int:
    if not isinstance(v, (int, np.integer)) or v < 1:
        raise ValidationError(name, "must be a positive integer", repr(v))
    return int(v)


def sample_matrices(law: MatrixLaw, batch: int, T: int, rng: np.random.Generator) -> np.ndarray:
    """i.i.d. factors M, shape (batch, T, 2, 2), float64."""
    batch, T = _check_shape("batch", batch), _check_shape("T", T)
    if law.cap == "reject":
        flat = np.empty((0, 2, 2))
        while flat.shape[0] < batch * T:
            cand = _uncapped(law, max(batch * T, 1024), rng)
            fro = np.sqrt((cand ** 2).sum(axis=(-2, -1)))
            flat = np.concatenate([flat, cand[fro <= law.max_fro]])
        return flat[: batch * T].reshape(batch, T, 2, 2)
    M = _uncapped(law, batch * T, rng).reshape(batch, T, 2, 2)
    if law.cap == "none":
        return M
    fro = np.sqrt((M ** 2).sum(axis=(-2, -1)))
    scale = np.minimum(1.0, law.max_fro / fro)
    return M * scale[..., None, None]


def _uncapped(law: MatrixLaw, n: int, rng: np.random.Generator) -> np.ndarray:
    """R(θ) diag(s) + J (divided by sqrt|det| if ``law.normalize == "det"``) before the norm
    cap, (n, 2, 2); draws θ, s1, s2, j in that order."""
    batch, T = n, 1
    th = rng.uniform(-law.theta_max, law.theta_max, (batch, T))
    s = rng.uniform(law.s_lo, law.s_hi, (batch, T, 2))
    j = rng.uniform(-law.shear, law.shear, (batch, T))
    c, sn = np.cos(th), np.sin(th)
    M = np.empty((batch, T, 2, 2))
    M[..., 0, 0] = c * s[..., 0]
    M[..., 0, 1] = -sn * s[..., 1] + j
    M[..., 1, 0] = sn * s[..., 0]
    M[..., 1, 1] = c * s[..., 1]
    if law.normalize == "det":
        det = M[..., 0, 0] * M[..., 1, 1] - M[..., 0, 1] * M[..., 1, 0]
        M /= np.sqrt(np.abs(det))[..., None, None]
    return M.reshape(n, 2, 2)


def running_products(M: np.ndarray) -> np.ndarray:
    """P_t = M_t ⋯ M_1 for t = 1..T; M (batch, T, 2, 2) -> (batch, T, 2, 2), same dtype."""
    M = np.asarray(M)
    if M.ndim != 4 or M.shape[-2:] != (2, 2):
        raise ValidationError("M", "must have shape (batch, T, 2, 2)", str(M.shape))
    P = np.empty_like(M)
    cur = np.broadcast_to(np.eye(2, dtype=M.dtype), (M.shape[0], 2, 2)).copy()
    for t in range(M.shape[1]):
        cur = M[:, t] @ cur
        P[:, t] = cur
    return P


def products_mpmath(M: np.ndarray, dps: int = 50) -> np.ndarray:
    """Exact-enough reference: the running products of the float64 factors in mpmath at ``dps``
    decimal digits, returned as float64 (batch, T, 2, 2). Slow; for a few sequences."""
    import mpmath

    M = np.asarray(M, dtype=np.float64)
    out = np.empty_like(M)
    with mpmath.workdps(dps):
        for b in range(M.shape[0]):
            P = mpmath.eye(2)
            for t in range(M.shape[1]):
                P = mpmath.matrix(M[b, t].tolist()) * P
                out[b, t] = np.array([[float(P[i, j]) for j in range(2)] for i in range(2)])
    return out


def vec_col(P: np.ndarray) -> np.ndarray:
    """Column-stacking vec over the last two axes: (..., 2, 2) -> (..., 4)."""
    return np.swapaxes(P, -1, -2).reshape(*P.shape[:-2], 4)


def kron_transition(M: np.ndarray) -> np.ndarray:
    """A = I ⊗ M, (..., 2, 2) -> (..., 4, 4): vec(M P) = A vec(P) under column stacking."""
    A = np.zeros((*M.shape[:-2], 4, 4), dtype=M.dtype)
    A[..., 0:2, 0:2] = M
    A[..., 2:4, 2:4] = M
    return A


def handset_kronecker_ssm(M: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """The hand-set SSM of Lemma 1, run in ``dtype``: h_0 = vec(I), h_t = (I ⊗ M_t) h_{t−1},
    output h_t. The factors are rounded to ``dtype`` first. M (batch, T, 2, 2) -> (batch, T, 4)."""
    Md = np.asarray(M).astype(dtype)
    A = kron_transition(Md)
    h = np.broadcast_to(np.array([1, 0, 0, 1], dtype=dtype), (Md.shape[0], 4)).copy()
    out = np.empty((Md.shape[0], Md.shape[1], 4), dtype=dtype)
    for t in range(Md.shape[1]):
        h = np.einsum("bij,bj->bi", A[:, t], h)
        out[:, t] = h
    return out


def gamma(n: np.ndarray | int, u: float) -> np.ndarray:
    """Higham's γ_n = n u / (1 − n u) (inf where n u ≥ 1)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(n * u < 1, n * u / (1 - n * u), np.inf)


def abs_product_bound(M: np.ndarray) -> np.ndarray:
    """|M_t| ⋯ |M_1| (entrywise absolute values), (batch, T, 2, 2): the scale of the standard
    forward-error bound |fl(P_t) − P_t| ≤ γ_{5t} |M_t| ⋯ |M_1| for the Kronecker recursion in
    floating point (per step: one rounding of the input factor and a length-4 inner product,
    so at most 5 relative perturbations per step)."""
    return running_products(np.abs(np.asarray(M, dtype=np.float64)))


@numba.njit(cache=True)
def _lyap_kernel(M: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    B, T = M.shape[0], M.shape[1]
    out = np.zeros((B, 2))
    for b in range(B):
        q00, q01, q10, q11 = 1.0, 0.0, 0.0, 1.0
        s1 = 0.0
        s2 = 0.0
        for t in range(T):
            m00, m01, m10, m11 = M[b, t, 0, 0], M[b, t, 0, 1], M[b, t, 1, 0], M[b, t, 1, 1]
            z00 = m00 * q00 + m01 * q10
            z01 = m00 * q01 + m01 * q11
            z10 = m10 * q00 + m11 * q10
            z11 = m10 * q01 + m11 * q11
            # Gram–Schmidt QR of Z: first column
            r00 = math.sqrt(z00 * z00 + z10 * z10)
            a0, a1 = z00 / r00, z10 / r00
            r01 = a0 * z01 + a1 * z11
            w0, w1 = z01 - r01 * a0, z11 - r01 * a1
            r11 = math.sqrt(w0 * w0 + w1 * w1)
            s1 += math.log(r00)
            s2 += math.log(r11)
            q00, q10 = a0, a1
            q01, q11 = w0 / r11, w1 / r11
        out[b, 0] = s1 / T
        out[b, 1] = s2 / T
    return out


def lyapunov_qr(M: np.ndarray) -> np.ndarray:
    """Per-sequence finite-time Lyapunov exponents (λ1 ≥ λ2 in the limit) of P_T = M_T⋯M_1 by
    the QR (Benettin) method; M (batch, T, 2, 2) -> (batch, 2). λ1 + λ2 = mean log|det M_t|."""
    M = np.ascontiguousarray(np.asarray(M, dtype=np.float64))
    if M.ndim != 4 or M.shape[-2:] != (2, 2):
        raise ValidationError("M", "must have shape (batch, T, 2, 2)", str(M.shape))
    return _lyap_kernel(M)


def second_moment_operator(M: np.ndarray) -> np.ndarray:
    """E[M ⊗ M] (4×4) estimated from samples M (n, 2, 2). Since P_k ⊗ P_k = (M_k ⊗ M_k)(P_{k−1}
    ⊗ P_{k−1}) with independent factors, E[P_k ⊗ P_k] = E[M ⊗ M]^k exactly."""
    M = np.asarray(M, dtype=np.float64).reshape(-1, 2, 2)
    return np.einsum("nij,nkl->ikjl", M, M).reshape(4, 4) / M.shape[0]


def second_moment_exact(G: np.ndarray, ks: list[int] | np.ndarray) -> np.ndarray:
    """E‖P_k‖_F² = Σ_{ij} (G^k)_{(ij),(ij)} with G = E[M ⊗ M] (row index (i,k), column (j,l) of
    M_ij M_kl): the entries with i = k, j = l, summed."""
    ks = np.asarray(ks, dtype=int)
    diag_idx = [(i * 2 + i, j * 2 + j) for i in range(2) for j in range(2)]
    out = []
    for k in ks:
        Gk = np.linalg.matrix_power(G, int(k))
        out.append(sum(Gk[r, c] for r, c in diag_idx))
    return np.array(out)


def second_moment_mc(P: np.ndarray) -> np.ndarray:
    """Per-sequence ‖P_t‖_F², (batch, T, 2, 2) -> (batch, T)."""
    return (np.asarray(P) ** 2).sum(axis=(-2, -1))


def commute_fraction(law: MatrixLaw, n: int, rng: np.random.Generator, tol: float = 1e-12) -> float:
    """Fraction of independent pairs (A, B) with ‖AB − BA‖_F > tol (paper: 100%)."""
    M = sample_matrices(law, n, 2, rng)
    A, B = M[:, 0], M[:, 1]
    return float((np.sqrt(((A @ B - B @ A) ** 2).sum(axis=(-2, -1))) > tol).mean())


def second_moment_rate(M: np.ndarray, n_batches: int = 20) -> dict[str, float]:
    """log ρ(E[M ⊗ M]) from factor samples M (n, 2, 2): the estimate on all samples and a
    normal-approximation 95% CI from the spread of the estimate over ``n_batches`` equal batches
    (se = sd/sqrt(n_batches)). E‖P_k‖² ~ ρ^k, so this is the per-step log growth of the mean
    square."""
    M = np.asarray(M, dtype=np.float64).reshape(-1, 2, 2)
    if n_batches < 2 or M.shape[0] < 2 * n_batches:
        raise ValidationError("n_batches", "need >= 2 batches of >= 2 samples",
                              f"{n_batches}, n={M.shape[0]}")

    def lr(x: np.ndarray) -> float:
        return float(np.log(np.max(np.abs(np.linalg.eigvals(second_moment_operator(x))))))

    est = lr(M)
    b = [lr(x) for x in np.array_split(M, n_batches)]
    se = float(np.std(b, ddof=1) / np.sqrt(n_batches))
    return {"est": est, "se": se, "lo": est - 1.96 * se, "hi": est + 1.96 * se}


def law_scale(law: MatrixLaw, rng: np.random.Generator, *, n_G: int = 400_000,
              n_lyap: int = 1000, T_lyap: int = 1024,
              ks: tuple[int, ...] = (64, 256, 512)) -> dict[str, Any]:
    """The task's scale under ``law``: the second-moment rate (:func:`second_moment_rate`), the
    top Lyapunov exponent λ₁ (QR method, mean over ``n_lyap`` sequences of length ``T_lyap``,
    with its standard error), the criterion max(|rate|, 2|λ₁|) of :data:`TRAINED_LAW_RULE`, and
    the zero predictor's per-entry MSE computed from E[M⊗M]^t: ``zero_mse_mean`` = mean over
    positions t ≤ k of E‖P_t‖²/4 (the training loss's convention) and ``zero_mse_last`` =
    E‖P_k‖²/4; plus the fraction of factors with ‖M‖_F ≤ max_fro."""
    Ms = sample_matrices(law, n_G, 1, rng)[:, 0]
    rate = second_moment_rate(Ms)
    G = second_moment_operator(Ms)
    L = lyapunov_qr(sample_matrices(law, n_lyap, T_lyap, rng))[:, 0]
    lam = {"est": float(L.mean()), "se": float(L.std(ddof=1) / np.sqrt(L.size))}
    m = second_moment_exact(G, list(range(1, max(ks) + 1))) / 4
    return {
        "law": law.as_dict(), "name": law.name,
        "second_moment_rate": rate, "lyapunov_top": lam,
        "criterion": max(abs(rate["est"]), 2 * abs(lam["est"])),
        "zero_mse_mean": {str(k): float(m[:k].mean()) for k in ks},
        "zero_mse_last": {str(k): float(m[k - 1]) for k in ks},
        "fro_bound_frac": float((np.sqrt((Ms ** 2).sum((-2, -1)))
                                 <= law.max_fro * (1 + 1e-12)).mean()),
    }


def choose_law(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply :data:`TRAINED_LAW_RULE` to :func:`law_scale` rows: the candidates are the rows with
    shear > 0, a cap (not ``none``) and every sampled factor within the bound; the criterion's
    standard error is max(se(rate), 2 se(λ₁)); rows whose 95% interval overlaps the minimum's tie,
    and the tie goes to the smaller shear, then to rescale before reject. Returns the chosen row."""
    cand = [r for r in rows if r["law"]["shear"] > 0 and r["law"]["cap"] != "none"
            and r["fro_bound_frac"] == 1.0]
    if not cand:
        raise ValidationError("rows", "need at least one candidate law", str(len(rows)))

    def se(r: dict[str, Any]) -> float:
        return max(r["second_moment_rate"]["se"], 2 * r["lyapunov_top"]["se"])

    best = min(cand, key=lambda r: r["criterion"])
    ties = [r for r in cand if r["criterion"] - 1.96 * se(r) <= best["criterion"] + 1.96 * se(best)]
    return min(ties, key=lambda r: (r["law"]["shear"], r["law"]["cap"] != "rescale"))
