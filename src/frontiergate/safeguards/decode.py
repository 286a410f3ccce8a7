"""Decode before you judge: undo the obfuscations an attacker uses to hide a request from a guard.

Why: a guard that reads text can only judge what it can read. Encoded (base64, hex, URL
percent-encoding, ROT13, leetspeak, reversed word order) and split payloads ("a = '...', b =
'...'; answer a + b", or a request sent in numbered parts) keep the harmful request out of every
string the guard sees, while the target model, asked to decode or assemble it, reads it fine.
So the guard is given a second view of the text in which every such layer it recognises is
undone, and a text is blocked if *either* view is blocked (``DecodingGuard``).

The decoders are principled rather than tuned to our own transforms' wording: each looks for the
*structure* of an encoding (a base64 alphabet run that decodes to printable UTF-8, a ROT13 line
that reads as more English after rotation than before, tokens that mix letters with look-alike
digits, string variables joined by ``+``), never for a lead sentence such as "decode this". A
decoded span must read as text (printable, containing letters), so random identifiers and hashes
pass through unchanged. Decoding repeats (up to ``MAX_ROUNDS``) so stacked layers unwind.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from frontiergate.safeguards.guard import Guard, GuardVerdict

MAX_ROUNDS = 3

# The most frequent English words: enough to tell English from ROT13 gibberish or leetspeak, small
# enough to ship in the module (no wordlist download).
_COMMON = frozenset(
    [
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because", "been",
        "before", "being", "best", "but", "by", "can", "could", "day", "did", "do", "does", "done", "each", "even",
        "every", "few", "first", "for", "from", "get", "give", "go", "good", "had", "has", "have", "he", "her",
        "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "know", "like", "list",
        "make", "making", "many", "me", "more", "most", "much", "my", "need", "new", "no", "not", "now", "of",
        "on", "one", "only", "or", "other", "our", "out", "over", "people", "please", "same", "see", "she",
        "should", "so", "some", "step", "steps", "such", "take", "tell", "than", "that", "the", "their", "them",
        "then", "there", "these", "they", "thing", "things", "this", "those", "through", "time", "to", "two", "up",
        "us", "use", "used", "using", "very", "want", "was", "way", "we", "well", "were", "what", "when", "where",
        "which", "who", "why", "will", "with", "without", "would", "write", "you", "your", "explain", "detailed",
        "describe", "instructions", "someone", "something", "safely", "home", "guide", "ways", "help",
    ]
)
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :]?){8,}(?![0-9A-Fa-f])")
_URL_ESC = re.compile(r"%[0-9A-Fa-f]{2}")
_ASSIGN = re.compile(r"""^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')[ \t]*$""", re.M)
_CONCAT = re.compile(r"[A-Za-z_]\w*(?:[ \t]*\+[ \t]*[A-Za-z_]\w*)+")
_PART = re.compile(r"""\b(?:part|piece|fragment|chunk)[ \t]*(\d+)[ \t]*:[ \t]*("(?:[^"\\\n]|\\.)*")""", re.I)
_LEET = {"4": "a", "3": "e", "0": "o", "5": "s", "7": "t", "9": "g", "8": "b", "1": "i", "@": "a", "$": "s"}
_WORD = re.compile(r"[A-Za-z]+")
_SPEAKER = re.compile(r"^[ \t]*(?:User|Assistant|Human|Part \d+)[ \t]*:[ \t]*")


@dataclass(frozen=True)
class Decoded:
    """The decoded view of a text and which decoders changed it (empty: nothing recognised)."""

    text: str
    steps: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def english_score(text: str) -> float:
    """Share of alphabetic words that are common English words (0 when there are none)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return 0.0
    return sum(w in _COMMON for w in words) / len(words)


def _readable(s: str) -> bool:
    """Decoded bytes count as text only if nearly all printable and with real words in them."""
    if len(s) < 4:
        return False
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in s) / len(s)
    letters = sum(ch.isalpha() for ch in s) / len(s)
    return printable >= 0.95 and letters >= 0.5 and " " in s.strip()


def _b64(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return run
        return raw if _readable(raw) else run

    return _B64_RUN.sub(sub, text)


def _hex(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        digits = re.sub(r"[ :]", "", run)
        if len(digits) % 2:
            return run
        try:
            raw = bytes.fromhex(digits).decode("utf-8")
        except ValueError:
            return run
        trail = run[len(run.rstrip(" :")) :]
        return raw + trail if _readable(raw) else run

    return _HEX_RUN.sub(sub, text)


def _url(text: str) -> str:
    if len(_URL_ESC.findall(text)) < 3:
        return text
    out = urllib.parse.unquote_plus(text) if "+" in text and " " not in text else urllib.parse.unquote(text)
    return out if _readable(out) else text


def _rot13(text: str) -> str:
    """Rotate each line that reads clearly more like English after ROT13 than before."""
    lines = text.split("\n")
    out = []
    for line in lines:
        words = _WORD.findall(line)
        if len(words) >= 3:
            rotated = codecs.encode(line, "rot13")
            before, after = english_score(line), english_score(rotated)
            if after >= 0.2 and after > before + 0.15:
                out.append(rotated)
                continue
        out.append(line)
    return "\n".join(out)


def _unleet_token(tok: str) -> str:
    chars = [_LEET.get(c, c) if not c.isalpha() else c for c in tok]
    plain = "".join(chars)
    if "1" in tok:  # 1 stands for i or l: prefer the reading that is a common word
        alt = "".join("l" if c == "1" else _LEET.get(c, c) if not c.isalpha() else c for c in tok)
        if alt.lower().strip(".,?!:;") in _COMMON and plain.lower().strip(".,?!:;") not in _COMMON:
            return alt
    return plain


def _leet(text: str) -> str:
    """Map look-alike digits back to letters on lines where words mix letters and digits."""
    out = []
    for line in text.split("\n"):
        toks = line.split(" ")
        words = [t for t in toks if any(c.isalnum() for c in t)]
        mixed = [t for t in words if any(c.isalpha() for c in t) and any(c in _LEET for c in t)]
        if len(words) >= 3 and len(mixed) / len(words) >= 0.25:
            new = []
            for t in toks:
                core = t.strip(".,?!:;\"'()")
                # an all-digit token is a number unless it spells a common word ("70" -> "to")
                is_num = core.isdigit() and _unleet_token(core).lower() not in _COMMON and len(core) > 1
                if core and not is_num and all(c.isalpha() or c in _LEET for c in core):
                    new.append(t.replace(core, _unleet_token(core)))
                else:
                    new.append(t)
            out.append(" ".join(new))
        else:
            out.append(line)
    return "\n".join(out)


def _ends(w: str) -> bool:
    return w[-1] in ".?!"


def _cap(w: str) -> bool:
    return w[:1].isupper()


def _reversed_words(text: str) -> str:
    """Restore lines whose word order was reversed. Evidence is counted both ways: in reversed
    text the sentence-ending word comes first and the capitalised word last, and a word ending a
    sentence is *preceded* by a capitalised one ("files. ... Now Great."); in normal text the
    reverse holds. A line is reversed back only when the reversed reading has more evidence."""
    out = []
    for line in text.split("\n"):
        m = _SPEAKER.match(line)
        prefix, body = (m.group(0), line[m.end() :]) if m else ("", line)
        w = body.split()
        if len(w) >= 4 and _ends(w[0]):
            rev = _ends(w[0]) + _cap(w[-1]) + sum(_ends(w[i]) and _cap(w[i - 1]) for i in range(1, len(w)))
            fwd = _ends(w[-1]) + _cap(w[0]) + sum(_ends(w[i]) and _cap(w[i + 1]) for i in range(len(w) - 1))
            if rev > fwd:
                out.append(prefix + " ".join(reversed(w)))
                continue
        out.append(line)
    return "\n".join(out)


def _unquote(lit: str) -> str | None:
    try:
        if lit.startswith("'"):
            lit = '"' + lit[1:-1].replace('\\"', '"').replace('"', '\\"') + '"'
        val = json.loads(lit)
    except ValueError:
        return None
    return val if isinstance(val, str) else None


def _reassemble(text: str) -> str:
    """Append the payload that string variables joined by ``+`` (or numbered parts) spell out."""
    found: list[str] = []
    names: dict[str, str] = {}
    for m in _ASSIGN.finditer(text):
        val = _unquote(m.group(2))
        if val is not None:
            names[m.group(1)] = val
    if len(names) >= 2:
        for m in _CONCAT.finditer(text):
            parts = [p.strip() for p in m.group(0).split("+")]
            if len(parts) >= 2 and all(p in names for p in parts):
                found.append(" ".join(names[p] for p in parts))
    pieces: dict[int, str] = {}
    for m in _PART.finditer(text):
        val = _unquote(m.group(2))
        if val is not None:
            pieces.setdefault(int(m.group(1)), val)
    if len(pieces) >= 2:
        found.append(" ".join(pieces[k] for k in sorted(pieces)))
    new = [f for f in dict.fromkeys(found) if f not in text]
    return text if not new else text + "\n" + "\n".join(new)


DECODERS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("url", _url),
    ("base64", _b64),
    ("hex", _hex),
    ("reassemble", _reassemble),
    ("rot13", _rot13),
    ("leetspeak", _leet),
    ("reverse_words", _reversed_words),
)


def decode(text: str, max_rounds: int = MAX_ROUNDS) -> Decoded:
    """The text with every recognised encoding undone, repeated until nothing changes."""
    steps: list[str] = []
    cur = text
    for _ in range(max_rounds):
        before = cur
        for name, fn in DECODERS:
            new = fn(cur)
            if new != cur:
                steps.append(name)
                cur = new
        if cur == before:
            break
    return Decoded(cur, steps)


class DecodingGuard(Guard):
    """Runs ``inner`` on the text as sent and, when decoding changes it, on the decoded view too;
    blocks if either is blocked. The returned verdict is the blocking one (or the raw one), with
    the decoders that applied in ``extra["decoded"]``."""

    def __init__(self, inner: Guard) -> None:
        self.inner = inner
        self.name = f"{inner.name}+decode"

    async def _both(self, text: str, check: Callable[[str], Any]) -> GuardVerdict:
        start = time.perf_counter()
        raw: GuardVerdict = await check(text)
        dec = decode(text)
        if not dec.changed or raw.blocked:
            raw.extra = {**raw.extra, "decoded": dec.steps}
            raw.latency_s = time.perf_counter() - start
            return raw
        second: GuardVerdict = await check(dec.text)
        pick = second if second.blocked else raw
        if second.score is not None and raw.score is not None:
            pick.score = max(second.score, raw.score)
        if second.blocked:
            pick.rationale = f"after decoding ({', '.join(dec.steps)}): {second.rationale}"
        pick.parsed = raw.parsed and second.parsed
        pick.extra = {**pick.extra, "decoded": dec.steps}
        pick.latency_s = time.perf_counter() - start
        pick.input_tokens = raw.input_tokens + second.input_tokens
        pick.output_tokens = raw.output_tokens + second.output_tokens
        pick.guard = self.name
        return pick

    async def check_input(self, request: str) -> GuardVerdict:
        return await self._both(request, self.inner.check_input)

    async def check_output(self, request: str, response: str) -> GuardVerdict:
        return await self._both(response, lambda t: self.inner.check_output(request, t))

    def describe(self) -> dict[str, Any]:
        return {**self.inner.describe(), "guard": self.name, "decode": [n for n, _ in DECODERS]}
