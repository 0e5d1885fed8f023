"""empirics/experiments/dcd"""
