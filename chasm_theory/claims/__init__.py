"""Claim modules: one per theorem/lemma group; each registers its claims on import."""
