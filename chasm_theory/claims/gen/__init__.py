"""chasm_theory/claims/gen"""
