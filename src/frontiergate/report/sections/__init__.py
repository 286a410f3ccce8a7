"""Report sections contributed by each capability.

Each module here defines ``NAME`` (key under ``report["sections"]``), ``TITLE``, ``ORDER`` (int),
``build(rc: ReportContext) -> dict | None`` (JSON-able, computed only from stored records; None
when the run has nothing for it) and ``markdown(section: dict) -> str``. Optionally
``html(section: dict) -> str`` for the HTML report (defaults to rendering the markdown).
"""
