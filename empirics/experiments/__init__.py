"""Experiment modules: each registers an experiment and the claims read from its runs."""

from empirics.engine import scheduler as _scheduler  # noqa: E402,F401  registers `chasm-theory train`
