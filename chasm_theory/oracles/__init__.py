"""chasm_theory/oracles"""
