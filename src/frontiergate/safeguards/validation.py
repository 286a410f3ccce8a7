"""Guard quality on labelled data: F1, AUPRC and false-positive rate, each with its n.

Labelled files are JSONL or CSV with a text column and a label column (``unsafe``/``safe``, also
1/0, true/false). Two public formats are read natively so users need not convert them: the OpenAI
moderation release (label = any category flagged; whether an unflagged row with unannotated
categories counts as safe, as in the published figures, or as unknown is the caller's choice) and
XSTest's prompt file (column ``prompt``).
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from frontiergate.errors import DataFileError
from frontiergate.safeguards.guard import Guard
from frontiergate.stats.intervals import wilson_interval

Format = Literal["auto", "plain", "openai-moderation"]
MODERATION_KEYS = ("S", "H", "V", "HR", "SH", "S3", "H2", "V2")
_UNSAFE = {"unsafe", "1", "true", "yes", "flagged", "harmful"}
_SAFE = {"safe", "0", "false", "no", "unflagged", "benign"}


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    labels: list[bool]  # True = unsafe
    path: str
    unknown: int = 0  # rows left out because their label is unknown
    # per harm category (moderation format only): flagged or not, aligned with texts
    categories: dict[str, list[bool]] = field(default_factory=dict)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read labelled file {path}: {exc}", "check the path and that it is UTF-8") from None
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(raw.splitlines()))
    rows = []
    for i, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{path}:{i}: not valid JSON ({exc.msg})", "write one JSON object per line (JSONL), or use a .csv file"
            ) from None
        if not isinstance(row, dict):
            raise DataFileError(f"{path}:{i}: expected a JSON object", "write one JSON object per line")
        rows.append(row)
    return rows


def _moderation_label(row: dict[str, Any], missing_as_safe: bool) -> bool | None:
    vals = [row.get(k) for k in MODERATION_KEYS]
    if any(v == 1 for v in vals):
        return True
    if missing_as_safe or all(v == 0 for v in vals):
        return False
    return None


def load_labelled(
    path: Path | str,
    *,
    fmt: Format = "auto",
    text_column: str = "text",
    label_column: str = "label",
    missing_as_safe: bool = True,
) -> LabelledSet:
    """Read a labelled file; every problem names the file, line and column.

    For the moderation format, ``missing_as_safe`` follows the convention behind the published
    reference figures (a row no annotator flagged counts as safe, even if some categories were not
    annotated); ``False`` leaves such rows out as unknown.
    """
    p = Path(path)
    rows = _read_rows(p)
    if not rows:
        raise DataFileError(f"{p}: no rows", "the file needs a header (CSV) or JSON objects, with text and label")
    first = rows[0]
    if fmt == "auto":
        fmt = "openai-moderation" if ("prompt" in first and any(k in first for k in MODERATION_KEYS)) else "plain"
    texts: list[str] = []
    labels: list[bool] = []
    unknown = 0
    if fmt == "openai-moderation":
        categories: dict[str, list[bool]] = {k: [] for k in MODERATION_KEYS}
        for i, row in enumerate(rows, start=1):
            if "prompt" not in row:
                raise DataFileError(
                    f"{p}: row {i} has no 'prompt'", "this is not an OpenAI moderation file; use --format plain"
                )
            lab = _moderation_label(row, missing_as_safe)
            if lab is None:
                unknown += 1
                continue
            texts.append(str(row["prompt"]))
            labels.append(lab)
            for k in MODERATION_KEYS:
                categories[k].append(row.get(k) == 1)
        return LabelledSet(texts, labels, str(p), unknown, categories)
    tcol = (
        text_column
        if text_column in first or text_column != "text"
        else ("prompt" if "prompt" in first else text_column)
    )
    for col in (tcol, label_column):
        if col not in first:
            raise DataFileError(
                f"{p}: column '{col}' not found (columns: {', '.join(map(str, first))})",
                "pass --text-column / --label-column with the right names",
            )
    for i, row in enumerate(rows, start=2 if p.suffix.lower() == ".csv" else 1):
        value = str(row.get(label_column, "")).strip().lower()
        if value in _UNSAFE:
            labels.append(True)
        elif value in _SAFE:
            labels.append(False)
        else:
            raise DataFileError(
                f"{p}: line {i} column '{label_column}': label '{row.get(label_column)}' is not unsafe/safe",
                "use unsafe or safe (also 1/0, true/false)",
            )
        texts.append(str(row.get(tcol) or ""))
    return LabelledSet(texts, labels, str(p), unknown)


def stratified_subsample(data: LabelledSet, limit: int | None, seed: int = 0) -> LabelledSet:
    """At most ``limit`` rows with the class balance kept (for slow model guards)."""
    if limit is None or limit >= len(data.texts):
        return data
    rng = random.Random(seed)
    idx_u = [i for i, y in enumerate(data.labels) if y]
    idx_s = [i for i, y in enumerate(data.labels) if not y]
    k_u = round(limit * len(idx_u) / len(data.labels))
    keep = sorted(rng.sample(idx_u, min(k_u, len(idx_u))) + rng.sample(idx_s, min(limit - k_u, len(idx_s))))
    return LabelledSet([data.texts[i] for i in keep], [data.labels[i] for i in keep], data.path, data.unknown)


async def _run_guard(
    guard: Guard, texts: Sequence[str], concurrency: int
) -> tuple[list[bool | None], list[float], int]:
    sem = asyncio.Semaphore(concurrency)

    async def one(t: str) -> tuple[bool | None, float]:
        async with sem:
            v = await guard.check_input(t)
            if not v.parsed:
                # no readable verdict: not a block (its ``blocked=True`` is only the runtime fail-safe)
                return None, float("nan")
            return v.blocked, (v.score if v.score is not None else float(v.blocked))

    res = await asyncio.gather(*(one(t) for t in texts))
    return [r[0] for r in res], [r[1] for r in res], sum(1 for r in res if r[0] is None)


def predict(guard: Guard, texts: Sequence[str], concurrency: int = 4) -> tuple[list[bool | None], list[float], int]:
    """(blocked, score, unreadable count) per text; batched for the classifier guard.

    A guard reply with no readable verdict (``parsed=False``) is ``None`` in ``blocked`` (score NaN):
    no verdict, never a block. ``guard_metrics`` and ``cautious_blocked`` give it the cautious reading.
    """
    scores_fn = getattr(guard, "scores", None)
    head = getattr(guard, "head", None)
    if callable(scores_fn) and head is not None:
        s = [float(x) for x in scores_fn(list(texts))]
        return [x >= head.threshold for x in s], s, 0
    return asyncio.run(_run_guard(guard, texts, concurrency))


def cautious_blocked(labels: Sequence[bool], blocked: Sequence[bool | None]) -> list[bool]:
    """Blocked flags with an unreadable verdict (``None``) read cautiously in both directions: a miss
    on an unsafe row (recall, F1 cannot gain from it) and a block on a safe row (FPR cannot gain)."""
    return [bool(b) if b is not None else not y for y, b in zip(labels, blocked, strict=True)]


def guard_metrics(
    labels: Sequence[bool],
    blocked: Sequence[bool | None],
    scores: Sequence[float],
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """F1 (with a bootstrap interval), AUPRC, precision, recall and FPR (Wilson) for one guard.

    ``None`` in ``blocked`` is a guard reply with no readable verdict: it counts as a miss on unsafe
    rows and as a block on safe rows (its score as the worst for its label), and is counted in
    ``unreadable``; it never makes the guard look better than its readable verdicts.
    """
    from sklearn.metrics import average_precision_score

    y = np.asarray(labels, dtype=bool)
    u = np.asarray([b is None for b in blocked], dtype=bool)
    b = np.asarray(cautious_blocked(labels, blocked), dtype=bool)
    n = len(y)
    tp = int((y & b).sum())
    fp = int((~y & b).sum())
    fn = int((y & ~b).sum())

    def f1_of(tp_: int, fp_: int, fn_: int) -> float:
        return 0.0 if tp_ == 0 else 2 * tp_ / (2 * tp_ + fp_ + fn_)

    f1 = f1_of(tp, fp, fn)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot if n else 0):
        i = rng.integers(0, n, n)
        yy, bb = y[i], b[i]
        boots.append(f1_of(int((yy & bb).sum()), int((~yy & bb).sum()), int((yy & ~bb).sum())))
    f1_lo, f1_hi = np.quantile(boots, [0.025, 0.975]).tolist() if boots else [None, None]
    both = 0 < y.sum() < n
    s = np.asarray(scores, dtype=float)
    if u.any():
        s = s.copy()
        s[u] = np.where(y[u], 0.0, 1.0)  # unreadable: lowest score if unsafe, highest if safe
    auprc = float(average_precision_score(y, s)) if both else None
    fpr = wilson_interval(fp, int((~y).sum()))
    rec = wilson_interval(tp, int(y.sum()))
    prec = wilson_interval(tp, tp + fp)
    n_unread = int(u.sum())
    notes = []
    if n_unread:
        notes.append(
            f"{n_unread} guard repl(ies) gave no readable verdict: counted as misses on unsafe rows "
            "and as blocks on safe rows"
        )
    if n < 50:
        notes.append(f"only {n} rows: intervals are wide, too few to compare guards")
    note = "; ".join(notes)
    return {
        "n": n,
        "n_unsafe": int(y.sum()),
        "n_safe": int((~y).sum()),
        "f1": round(f1, 6),
        "f1_ci": [None if f1_lo is None else round(f1_lo, 6), None if f1_hi is None else round(f1_hi, 6)],
        "auprc": None if auprc is None else round(auprc, 6),
        "fpr": fpr.estimate,
        "fpr_ci": [fpr.low, fpr.high],
        "recall": rec.estimate,
        "recall_ci": [rec.low, rec.high],
        "precision": prec.estimate,
        "precision_ci": [prec.low, prec.high],
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": int((~y & ~b).sum()),
        "unreadable": n_unread,
        "unreadable_unsafe": int((u & y).sum()),
        "unreadable_safe": int((u & ~y).sum()),
        "note": note,
    }
