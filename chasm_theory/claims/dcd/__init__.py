"""chasm_theory/claims/dcd"""
