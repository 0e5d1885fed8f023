"""chasm_theory/claims/chasm"""
