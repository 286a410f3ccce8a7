"""Solvers shared by frontiergate tasks."""
