"""empirics/experiments/gen"""
