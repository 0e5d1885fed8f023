"""empirics/experiments/bayes"""
