"""Allow ``python -m frontiergate``."""

from frontiergate.cli import main

main()
