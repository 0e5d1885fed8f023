"""chasm-theory: executable checks of the claims of SSM-vs-Transformer theory papers.

The public surface is re-exported here from small private modules.
"""
from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, RunFailed, experiment, get_experiment, run_experiment
from chasm_theory._fuzz import FuzzResult, FuzzSpec, run_fuzz
from chasm_theory._judgements import (
    ATTAINABLE_RULE,
    BASELINES,
    LEARNED_RULE,
    NEAR_ORACLE,
    OPEN_RATIO_RULE,
    REPORTED_FACTOR,
    REPORTED_RULE,
    beats_baseline,
    excess_ratio,
    match_reported,
    near_oracle,
    require_learned,
    unattainable,
)
from chasm_theory._record import (
    Outcome,
    Record,
    combine,
    compare_close,
    decide,
    decide_interval,
    not_run,
    over_values,
    separation,
)
from chasm_theory._registry import all_claims, claim, get_claim, run_claim, select
from chasm_theory.errors import (
    ChasmError,
    NotRunError,
    NumericalError,
    UnknownClaimError,
    UnknownExperimentError,
    ValidationError,
)

__all__ = [
    "Context", "RunEnv", "RunFailed", "experiment", "get_experiment", "run_experiment",
    "FuzzResult", "FuzzSpec", "run_fuzz", "Outcome", "Record", "combine", "compare_close",
    "decide", "decide_interval", "match_reported", "near_oracle", "REPORTED_FACTOR",
    "REPORTED_RULE", "NEAR_ORACLE", "not_run", "over_values", "ATTAINABLE_RULE", "unattainable",
    "LEARNED_RULE", "BASELINES", "beats_baseline", "require_learned", "separation",
    "OPEN_RATIO_RULE", "excess_ratio",
    "all_claims", "claim", "get_claim", "run_claim", "select", "ChasmError",
    "NotRunError", "NumericalError", "UnknownClaimError", "UnknownExperimentError",
    "ValidationError",
]
__version__ = "0.1.0"

# oracle filters: LG-SSMs, samplers, DARE, Kalman filters, brute-force conditioning, Bayes grid
from chasm_theory.oracles import conditioning  # noqa: E402
from chasm_theory.oracles.bayes_grid import BayesGridResult, bayes_grid_predict, uniform_grid  # noqa: E402
from chasm_theory.oracles.dare import DareSolution, solve_filter_dare  # noqa: E402
from chasm_theory.oracles.kalman import (  # noqa: E402
    Gains,
    KalmanResult,
    filter_means,
    kalman_filter,
    kalman_filter_per_sequence,
    riccati_gains,
    steady_state_filter,
)
from chasm_theory.oracles.lgssm import (  # noqa: E402
    LGSSMParams,
    make_lgssm,
    stationary_covariance,
    validate_observations,
)
from chasm_theory.oracles.tasks import (  # noqa: E402
    colored_noise_lgssm,
    random_lgssm_prior,
    sample_colored_noise,
    sample_lgssm,
    sample_static,
)

__all__ += [
    "conditioning", "BayesGridResult", "bayes_grid_predict", "uniform_grid", "DareSolution",
    "solve_filter_dare", "Gains", "KalmanResult", "filter_means", "kalman_filter",
    "kalman_filter_per_sequence", "riccati_gains", "steady_state_filter", "LGSSMParams",
    "make_lgssm", "stationary_covariance", "validate_observations", "colored_noise_lgssm",
    "random_lgssm_prior", "sample_colored_noise", "sample_lgssm", "sample_static",
]
