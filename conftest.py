"""Hypothesis profiles for tests/ and proofs/ (one root conftest for both).

``dev`` (default, quick randomised), ``ci`` (derandomised: same examples every run),
``deep`` (long search). Select with ``HYPOTHESIS_PROFILE=ci``.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("deep", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
