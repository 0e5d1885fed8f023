"""chasm-theory: executable checks of the claims of SSM-vs-Transformer theory papers.

The public surface is re-exported here from small private modules.
"""
from ._context import Context
from ._experiments import RunEnv, RunFailed, experiment, get_experiment, run_experiment
from ._fuzz import FuzzResult, FuzzSpec, run_fuzz
from ._record import Outcome, Record, combine, compare_close, decide, decide_interval, not_run
from ._registry import all_claims, claim, get_claim, run_claim, select
from .errors import (
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
    "decide", "decide_interval", "not_run", "all_claims", "claim", "get_claim", "run_claim",
    "select", "ChasmError", "NotRunError", "NumericalError", "UnknownClaimError",
    "UnknownExperimentError", "ValidationError",
]
__version__ = "0.1.0"
