"""000 Corollary 1: observability algebra and the DARE near rho = a."""

import numpy as np
import sympy as sp

from chasm_theory import run_claim
from chasm_theory.claims.chasm.cor1 import a_s, observability_symbolic, r_s, sweep
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.tasks import colored_noise_lgssm


def test_symbolic_det_and_gramian():
    s = observability_symbolic()
    assert sp.simplify(s["det"] - (r_s - a_s)) == 0
    assert sp.simplify(s["gram_det"] - (r_s - a_s) ** 2) == 0


def test_gain_bounded_and_rhoF_tends_to_a():
    # independent of the sweep: scipy-only DARE at rho = a +- 1e-5
    import scipy.linalg

    for rho in (0.9 - 1e-5, 0.9 + 1e-5):
        p = colored_noise_lgssm(0.9, rho)
        P = scipy.linalg.solve_discrete_are(p.A.T, p.C.T, p.Q, p.R + 1e-14)
        K = P @ p.C.T / (p.C @ P @ p.C.T)
        F = (np.eye(2) - K @ p.C) @ p.A
        assert np.linalg.norm(K) < 1.0
        assert abs(max(abs(np.linalg.eigvals(F))) - 0.9) < 1e-3
        sol = solve_filter_dare(p.A, p.C, p.Q, p.R)
        assert np.allclose(sol.K, K, atol=1e-6)


def test_small_sweep_cond_exponent():
    s = sweep(0.9, (1e-4, 2e-4, 4e-4), 200)
    m = s["side"] == 1
    slope = np.polyfit(np.log(s["delta"][m]), np.log(s["cond"][m]), 1)[0]
    assert abs(slope + 1) < 0.01


def test_monotone_record():
    assert run_claim("chasm.cor1.are-eff-monotone").verdict == "holds"


from hypothesis import example, given  # noqa: E402

from chasm_theory.claims.chasm.cor1 import MONOTONE_FUZZ, _monotone_holds  # noqa: E402


@given(MONOTONE_FUZZ.strategy())
@example((0.9, 0.9000001, 0.95))
def test_are_eff_monotone_exact(x):
    assert _monotone_holds(x)
