"""Discovery of section modules (every module in this package except this one)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def section_modules() -> list[ModuleType]:
    import frontiergate.report.sections as pkg

    mods = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name == "registry":
            continue
        m = importlib.import_module(f"frontiergate.report.sections.{info.name}")
        if hasattr(m, "build") and hasattr(m, "NAME"):
            mods.append(m)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))
