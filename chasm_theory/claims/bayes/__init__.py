"""chasm_theory/claims/bayes"""
