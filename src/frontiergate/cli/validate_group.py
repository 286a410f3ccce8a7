"""The ``frontiergate validate`` group: check a scorer, detector or guard against labelled data.

Each validator lives in its own ``cmd_validate_<what>.py`` module and adds a command to
``validate_app``.
"""

from __future__ import annotations

import typer

validate_app = typer.Typer(
    help="Measure a scorer, detector or guard against a labelled file (agreement, AUROC, F1).",
    no_args_is_help=True,
)
