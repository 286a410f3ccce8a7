"""The ``frontiergate`` command.

Sub-commands live in ``cmd_*.py`` modules, each exposing ``register(app)``; they are discovered
here so that every capability adds its commands without editing a shared file. User errors
(``FrontiergateError``) become one clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from frontiergate.errors import FrontiergateError

app = typer.Typer(
    name="frontiergate",
    help="Decide, with evidence, whether a frontier AI model is safe to deploy or to scale further.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    import frontiergate.cli as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if mod.name.startswith("cmd_"):
            module = importlib.import_module(f"frontiergate.cli.{mod.name}")
            module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, mapping user errors to exit code 2."""
    os.environ.setdefault("INSPECT_DISPLAY", "rich")
    try:
        app(args=argv, standalone_mode=True)
    except FrontiergateError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted; resume with `frontiergate run --resume RUN_ID`", file=sys.stderr)
        raise SystemExit(130) from None
