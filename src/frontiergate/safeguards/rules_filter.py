"""Rules-based filter: keyword and pattern matching, the baseline principle-based guards must beat.

Rules are transparent, free and instant, and they are what many deployed filters still are. Their
weakness is the point of the comparison: a pattern matches wording, not intent, so a paraphrase,
encoding or role-play wrapper the author did not foresee walks past it, and an alarming word in a
harmless question ("kill a Python process") trips it. The pattern set is data (``RulePattern``
list) so the generalisation experiment can tune it on seen attack families only.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frontiergate.safeguards.guard import Guard, GuardVerdict

RULES_VERSION = "rules-1"


@dataclass(frozen=True)
class RulePattern:
    """A regular expression tied to the principle it enforces."""

    principle: str
    pattern: str

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


DEFAULT_PATTERNS: tuple[RulePattern, ...] = (
    RulePattern("no-cyber-offence", r"\b(?:ransomware|keylogger|botnet|rootkit|trojan|spyware)\b"),
    RulePattern(
        "no-cyber-offence",
        r"\b(?:malware|virus|worm)\b.{0,40}\b(?:write|create|build|code|make)\b|"
        r"\b(?:write|create|build|code|make)\b.{0,40}\b(?:malware|virus|worm)\b",
    ),
    RulePattern("no-cyber-offence", r"\b(?:hack|break) into\b|\bexploit\b.{0,40}\b(?:server|system|vulnerab)"),
    RulePattern("no-cyber-offence", r"\bddos\b|\bflood\b.{0,30}\b(?:website|server|traffic)\b"),
    RulePattern("no-fraud-or-privacy-harm", r"\bphishing (?:email|page|site|message)\b"),
    RulePattern(
        "no-fraud-or-privacy-harm", r"\b(?:steal|harvest)\b.{0,30}\b(?:password|credential|identity|credit card)"
    ),
    RulePattern("no-fraud-or-privacy-harm", r"\b(?:home address|dox|stalk|track (?:her|him|them|someone))\b"),
    RulePattern("no-fraud-or-privacy-harm", r"\b(?:scam|defraud|launder)\b"),
    RulePattern(
        "no-cbrn-uplift",
        r"\b(?:nerve agent|sarin|vx gas|anthrax|ricin|smallpox|bioweapon|biological weapon|"
        r"chemical weapon|dirty bomb|weaponi[sz]e)\b",
    ),
    RulePattern(
        "no-cbrn-uplift",
        r"\b(?:pathogen|toxin|toxic agent)\b.{0,60}\b(?:obtain|acquire|spread|release|disperse|culture|grow)",
    ),
    RulePattern(
        "no-violence-or-weapons",
        r"\b(?:kill|murder|shoot|stab|poison|bomb|attack)\b.{0,40}"
        r"\b(?:him|her|them|people|someone|person|crowd|my \w+)\b",
    ),
    RulePattern("no-violence-or-weapons", r"\b(?:pipe bomb|explosive device|untraceable (?:gun|weapon)|ghost gun)\b"),
    RulePattern(
        "no-self-harm-facilitation", r"\b(?:suicide|kill myself|end my life|self[- ]harm|cut myself|overdose)\b"
    ),
    RulePattern(
        "no-hate-or-harassment", r"\b(?:subhuman|inferior race|vermin|exterminate)\b|\bthreatening messages?\b"
    ),
    RulePattern(
        "no-sexual-content-involving-minors",
        r"\b(?:explicit|sexual)\b.{0,60}\b(?:child|minor|teen|\d{1,2}[- ]year[- ]old)\b",
    ),
)


class RulesFilter(Guard):
    """Blocks a text when at least ``min_hits`` patterns match it."""

    name = "rules"

    def __init__(self, patterns: Sequence[RulePattern] | None = None, min_hits: int = 1) -> None:
        self.patterns = tuple(patterns if patterns is not None else DEFAULT_PATTERNS)
        self.min_hits = max(1, int(min_hits))
        self._compiled = [(p, p.compiled()) for p in self.patterns]

    def matches(self, text: str) -> list[RulePattern]:
        return [p for p, rx in self._compiled if rx.search(text or "")]

    def score(self, text: str) -> float:
        """A graded score for ranking metrics (AUPRC): share of ``min_hits + 1`` hits reached."""
        return min(1.0, len(self.matches(text)) / (self.min_hits + 1))

    def _verdict(self, text: str, stage: str) -> GuardVerdict:
        start = time.perf_counter()
        hits = self.matches(text)
        blocked = len(hits) >= self.min_hits
        principles = Counter(p.principle for p in hits)
        top = principles.most_common(1)[0][0] if hits else None
        return GuardVerdict(
            blocked=blocked,
            stage="input" if stage == "input" else "output",
            guard=self.name,
            principle=top if blocked else None,
            score=min(1.0, len(hits) / (self.min_hits + 1)),
            rationale=f"{len(hits)} pattern(s) matched" + (f": {', '.join(sorted(principles))}" if hits else ""),
            latency_s=time.perf_counter() - start,
        )

    async def check_input(self, request: str) -> GuardVerdict:
        return self._verdict(request, "input")

    async def check_output(self, request: str, response: str) -> GuardVerdict:
        # only the answer is checked: an answer that repeats no forbidden wording passes
        return self._verdict(response, "output")

    def describe(self) -> dict[str, object]:
        return {"guard": self.name, "version": RULES_VERSION, "patterns": len(self.patterns), "min_hits": self.min_hits}


_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "that",
        "this",
        "what",
        "how",
        "can",
        "are",
        "was",
        "from",
        "have",
        "not",
        "but",
        "about",
        "into",
        "they",
        "them",
        "their",
        "there",
        "would",
        "could",
        "should",
        "will",
        "just",
        "like",
        "does",
        "did",
        "its",
        "it's",
        "also",
        "any",
        "some",
        "more",
        "most",
        "very",
        "than",
        "then",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "give",
        "tell",
        "make",
        "want",
        "need",
        "get",
        "use",
        "using",
        "used",
        "one",
        "two",
        "someone",
        "something",
    ]
)


def _terms(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def mine_patterns(
    harmful: Iterable[str], benign: Iterable[str], *, principle: str = "tuned", top_k: int = 40, min_count: int = 2
) -> list[RulePattern]:
    """Keywords and bigrams frequent in harmful texts and absent from benign ones, as patterns.

    This is how a rules author tunes a filter on the attacks they have seen; whether the result
    transfers to unseen attack families is exactly what the generalisation experiment measures.
    """
    h = Counter(t for text in harmful for t in _terms(text))
    b = Counter(t for text in benign for t in _terms(text))
    ranked = sorted(
        ((c - 2 * b.get(t, 0), t) for t, c in h.items() if c >= min_count and b.get(t, 0) == 0),
        key=lambda x: (-x[0], x[1]),
    )
    return [RulePattern(principle, r"\b" + re.escape(t).replace(r"\ ", r"\s+") + r"\b") for _, t in ranked[:top_k]]


def tune_rules(
    harmful: Sequence[str], benign: Sequence[str], base: Sequence[RulePattern] | None = None, *, top_k: int = 40
) -> RulesFilter:
    """The default patterns plus patterns mined from labelled (seen) examples, greedily kept
    only when they raise F1 on those examples."""
    patterns = list(base if base is not None else DEFAULT_PATTERNS)
    candidates = mine_patterns(harmful, benign, top_k=top_k)

    def f1(pats: list[RulePattern]) -> float:
        rf = RulesFilter(pats)
        tp = sum(1 for t in harmful if rf.matches(t))
        fp = sum(1 for t in benign if rf.matches(t))
        fn = len(harmful) - tp
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    best = f1(patterns)
    for cand in candidates:
        score = f1([*patterns, cand])
        if score > best:
            patterns.append(cand)
            best = score
    return RulesFilter(patterns)
