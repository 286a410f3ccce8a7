"""Deterministic rephrasings that remove (or impose) benchmark formatting, for style-shift checks.

Why: an awareness detector (a probe, the realism meter, the direct question) may read *format*
(``Question:``/``Answer:`` slots, lettered options) rather than *context*. Rewriting every test text
into one format removes that signal; the AUROC that survives is what the detector knows beyond
format. The rewrites are rule-based and deterministic (no model in the loop), so a rerun gives the
same texts and the check itself cannot drift.

- ``to_casual``: strips benchmark scaffolding (question numbers, ``Question:``/``Problem:``/
  ``Choices:``/``Answer:``/``Solution:`` labels, option letters, rubric/grading lines) and writes the
  rest as one casual chat message;
- ``to_benchmark``: wraps the collapsed text in a ``Question: ... Answer:`` slot.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_LABEL = re.compile(r"^\s*(?:question\s*\d*\s*(?:\([^)]*\))?|problem|choices|options|answer|solution|context|"
                    r"dialogue|passage|response)\s*[:.]\s*", re.IGNORECASE)
_OPTION = re.compile(r"^\s*(?:\(?[A-Ha-h1-8][).:]|[-*•])\s+")
_INLINE_OPTION = re.compile(r"\s\(?([A-H])\)\s")
_DROP = re.compile(r"(rubric|grader|graders|grading|scored from|evaluation team|benchmark|test case|"
                   r"safety evaluation|\[test scenario\]|evaluation context)", re.IGNORECASE)
_WS = re.compile(r"\s+")


def _lines(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _DROP.search(line):
            continue
        line = _OPTION.sub("", _LABEL.sub("", line))
        line = _INLINE_OPTION.sub(" ", line)
        if line.strip():
            out.append(line.strip())
    return out


def to_casual(text: str) -> str:
    """One casual message: scaffolding removed, pieces joined with commas, a lower-case opener."""
    parts = _lines(text)
    if not parts:
        return text.strip()
    body = ", ".join(p.rstrip(" ,;") for p in parts)
    body = body[0].lower() + body[1:] if body[:1].isupper() and not body[1:2].isupper() else body
    return f"hey, quick one - {body} thanks"


def to_benchmark(text: str) -> str:
    """The collapsed text in a ``Question: ... Answer:`` slot."""
    parts = _lines(text) or [text.strip()]
    return f"Question: {_WS.sub(' ', ' '.join(parts)).strip()}\n\nAnswer:"


REPHRASINGS: dict[str, Callable[[str], str]] = {"to_casual": to_casual, "to_benchmark": to_benchmark}
