"""empirics/experiments/chasm"""
