"""Empirical layer: models, tasks, training and experiments of the papers (PyTorch)."""
