"""empirics/tasks"""
