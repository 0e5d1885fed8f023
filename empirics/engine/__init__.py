"""empirics/engine"""
