"""Answer extraction and normalisation, shared by the vote aggregator and the capability scorer.

Both must read an answer the same way: if the vote and the scorer disagreed on what "42." or
"(b) Mitochondria" means, majority voting could look worse than any single agent for no reason.
"""

from __future__ import annotations

import re
from typing import Literal

AnswerKind = Literal["mc", "number", "word"]

_FINAL = re.compile(r"final\s+answer\s*[:：]?\s*(.*)", re.IGNORECASE)
_ANSWER_IS = re.compile(r"\banswer\s+is\s*[:：]?\s*(.+)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_MC = re.compile(r"^\(?([a-e])\)?(?:$|[\s.):\-,])", re.IGNORECASE)
_LEADING = re.compile(r"^(?:the\s+answer\s+is|answer\s*:|option|choice|the)\s+", re.IGNORECASE)


def _canonical_number(token: str) -> str:
    t = token.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        return t
    return str(int(value)) if value.is_integer() else repr(value)


def normalise(answer: str, kind: AnswerKind | None = None) -> str:
    """Canonical form of one answer string: lower case, no decoration, numbers as integers."""
    a = answer.strip().strip("*_`\"'").strip()
    a = _LEADING.sub("", a).strip()
    if kind in (None, "mc"):
        m = _MC.match(a)
        if m:
            return m.group(1).lower()
        if kind == "mc":
            return a.lower().rstrip(".!")
    if kind in (None, "number"):
        nums = _NUMBER.findall(a)
        if nums and (kind == "number" or re.fullmatch(r"[-\d,.\s]+", a)):
            return _canonical_number(nums[0])
    a = a.lower().rstrip(".!?;:,").strip()
    a = re.sub(r"^(?:a|an|the)\s+", "", a)
    return re.sub(r"\s+", " ", a)


def final_answer_span(text: str) -> str | None:
    """The text after the last 'Final answer:' (first non-empty line of it), if any."""
    matches = list(_FINAL.finditer(text))
    for m in reversed(matches):
        rest = m.group(1).strip()
        if rest:
            return rest.splitlines()[0].strip()
    return None


def extract_answer(text: str, kind: AnswerKind | None = None) -> str | None:
    """The normalised final answer in a completion, or None when none can be read.

    Order of evidence: an explicit 'Final answer:' line, then 'the answer is ...', then (for
    numeric questions) the last number in the text, then a bare short reply such as "B".
    """
    span = final_answer_span(text)
    if span is None:
        m = list(_ANSWER_IS.finditer(text))
        span = m[-1].group(1).splitlines()[0].strip() if m else None
    if span is not None:
        out = normalise(span, kind)
        return out or None
    stripped = text.strip()
    if kind == "number":
        nums = _NUMBER.findall(stripped)
        return _canonical_number(nums[-1]) if nums else None
    if stripped and len(stripped.split()) <= 3:
        return normalise(stripped, kind) or None
    return None
