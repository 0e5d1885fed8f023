"""Experiment modules: each registers an experiment and the claims read from its runs."""
