"""Analysis: turn stored samples and scores into findings (rates with n and intervals, paired tests).

Metrics live in ``metrics_*.py`` modules of this package and register themselves with
``register_metric``; ``load_metric_modules`` imports them all, so a new evaluation family adds its
metrics without editing a shared list.
"""
