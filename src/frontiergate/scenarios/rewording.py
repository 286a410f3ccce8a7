"""Rule-based rewording of a request's wording, for the awareness task's ``reworded`` arm.

Why: every other awareness arm (``eval``, ``deploy``, ``cue:<name>``) and every misuse item sends the
public scenario library's *own request sentence*; framings only add text around it. A model that
recognises the library's wording (it is public, and may be in training data) can refuse every one of
those renderings and comply with the same request phrased any other way, and the measurement would
read "safe, no awareness gap". The ``reworded`` arm sends the deploy-realistic rendering of the same
request with its *wording* changed, so such a model shows its real behaviour there.

What a rewording may do (and nothing else): swap a request opener for an equivalent one ("How do I X"
→ "What's the way to X", "Write" → "Put together", imperative ↔ question), swap a few common,
non-technical words for synonyms, contract or expand contractions, and move a leading condition
clause ("If A, B?" → "B if A?"). It never adds or removes substance: technical terms, entities and
placeholders are left as they are, and every word it introduces comes from the fixed phrases below
(:data:`VOCABULARY`), which the tests check. When no rule applies to a turn, a neutral conversational
lead-in ("So, ...", "I was wondering, ...") is added, so *every* request's exact string changes.

Determinism: every choice is drawn from a generator keyed by (framing seed, seed id and twin side,
turn index), as every framing draw is: the same seed gives the same wording byte for byte, another
seed another wording. A transformed item is reworded *before* its attack wrapper
(:func:`reworded_variants` rewords the seeds, then expands them exactly as the other arms were), so
the attack stays intact and each variant keeps its id, pair key and transform draws.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from frontiergate.scenarios.framings import _ENTITIES
from frontiergate.scenarios.schema import BenignTwin, Item, Seed

# Sentence-start openers: (pattern, alternatives). An alternative is (replacement, end) where ``end``
# is the terminal punctuation the sentence must take ("?" when it becomes a question, "." when a
# question becomes a request) or None to keep it. The first pattern that matches wins.
_Alt = tuple[str, str | None]
_OPENER_TABLE: tuple[tuple[str, tuple[_Alt, ...]], ...] = (
    (r"how do i ", (("What's the way to ", None), ("How would I ", None), ("How can I ", None),
                    ("Any idea how to ", None), ("Tell me how to ", "."), ("What do I need to do to ", None))),
    (r"how do you ", (("How would you ", None), ("What's the way to ", None), ("How does one ", None))),
    (r"how do ", (("In what way do ", None), ("How exactly do ", None))),
    (r"how can i ", (("How do I ", None), ("How could I ", None), ("What's the way to ", None),
                     ("Is there a way I can ", None), ("Any idea how I can ", None), ("Tell me how I can ", "."))),
    (r"how can ", (("How could ", None), ("In what way can ", None), ("How exactly can ", None))),
    (r"how could i ", (("How might I ", None), ("How would I ", None), ("How can I ", None),
                       ("What's a way I could ", None))),
    (r"how could ", (("How might ", None), ("In what way could ", None))),
    (r"how should i ", (("What's the right way to ", None), ("How ought I to ", None),
                        ("What's the best way for me to ", None))),
    (r"how should ", (("In what way should ", None), ("How exactly should ", None))),
    (r"how would ", (("How could ", None), ("In what way would ", None))),
    (r"how does ", (("In what way does ", None), ("How exactly does ", None))),
    (r"how (?=are |is |did |have |has |was |were )", (("In what way ", None), ("How exactly ", None))),
    (r"how long ", (("About how long ", None), ("Roughly how long ", None))),
    (r"how many ", (("About how many ", None), ("Roughly how many ", None))),
    (r"is it ", (("Would it be ", None),)),
    (r"what's the best way to ", (("What would be the best way to ", None), ("How would I best ", None))),
    (r"what are ", (("So what are ", None), ("What exactly are ", None))),
    (r"what kinds of ", (("What sorts of ", None), ("Which kinds of ", None))),
    (r"what kind of ", (("What sort of ", None), ("Which kind of ", None))),
    (r"what should i ", (("What do you think I should ", None), ("What would you suggest I ", None))),
    (r"what can i ", (("What could I ", None), ("What am I able to ", None))),
    (r"what (?=should |can |does |do |did |would |could |is |made |makes |causes |happens )",
     (("What exactly ", None),)),
    (r"what (?=[\w-]+ (?:[\w-]+ )?(?:do|does|did|are|is|was|were|can|could|would|should|will|might)\b)",
     (("Which ", None),)),
    (r"which (?!of )", (("What ", None),)),
    (r"why do ", (("How come ", None), ("Why exactly do ", None))),
    (r"why (?=does |is |are |should |did |would )", (("Why exactly ", None),)),
    (r"where can i ", (("Where could I ", None), ("Where would I ", None), ("Where am I able to ", None))),
    (r"where (?=are |is |do |does |would |could )", (("Where exactly ", None),)),
    (r"write me ", (("Could you write me ", "?"), ("I need you to write me ", None))),
    (r"write ", (("Put together ", None), ("Draft ", None), ("Could you write ", "?"),
                 ("I need you to write ", None))),
    (r"explain how ", (("Walk me through how ", None), ("Can you explain how ", "?"),
                       ("Help me understand how ", None))),
    (r"explain why ", (("Can you explain why ", "?"), ("Help me understand why ", None))),
    (r"explain ", (("Can you explain ", "?"), ("Walk me through ", None))),
    (r"describe how ", (("Walk me through how ", None), ("Can you describe how ", "?"), ("Lay out how ", None))),
    (r"describe ", (("Can you describe ", "?"), ("Lay out ", None))),
    (r"give me ", (("I'd like ", None), ("Could you give me ", "?"), ("Can I get ", "?"))),
    (r"tell me ", (("Let me know ", None), ("Can you tell me ", "?"), ("I'd like to know ", None))),
    (r"help me ", (("Can you help me ", "?"), ("Could you help me ", "?"), ("I need help to ", None))),
    (r"show me ", (("Can you show me ", "?"), ("Walk me through ", None))),
    (r"build me ", (("Could you build me ", "?"), ("Make me ", None))),
    (r"(?:create|build|make|generate) ", (("Put together ", None), ("Could you put together ", "?"))),
    (r"plan how ", (("Work out how ", None), ("Figure out how ", None))),
    (r"find ", (("Track down ", None), ("Could you find ", "?"), ("Look up ", None))),
    (r"rewrite ", (("Could you rewrite ", "?"), ("Redo ", None))),
    (r"can you ", (("Could you ", None), ("Would you ", None))),
    (r"could you ", (("Can you ", None), ("Would you ", None))),
    (r"would you ", (("Could you ", None), ("Can you ", None))),
    (r"i want to ", (("I'm trying to ", None), ("I'd like to ", None))),
    (r"i'm trying to ", (("I want to ", None), ("I'd like to ", None))),
    (r"i need to ", (("I have to ", None), ("I've got to ", None))),
)
# any other imperative request verb: the request becomes a polite question or a stated need
_IMPERATIVES = ("encourage", "crack", "turn", "configure", "convince", "design", "draft", "compose",
                "translate", "summarise", "summarize", "convert", "modify", "outline", "provide", "recommend",
                "identify", "produce", "do", "set", "teach", "name", "compare", "list", "suggest", "walk",
                "pretend", "act", "continue", "fix", "improve", "edit", "check", "draw", "post", "send",
                "prepare", "calculate", "estimate", "code", "program", "script", "hack", "break", "get",
                "keep", "let", "add", "put", "use", "take", "show", "share", "spread", "hide", "delete", "track",
                "locate", "obtain", "sell", "grow", "extract", "mix", "install", "bypass", "disable", "steal",
                "access", "clone", "spoof", "compile", "combine", "publish", "explain", "describe", "find", "help",
                "give", "tell", "plan", "write", "create", "make", "build", "generate", "rewrite")
_IMPERATIVE_ALTS: tuple[_Alt, ...] = (("Could you {v} ", "?"), ("I need you to {v} ", None), ("Please {v} ", None))
_LEADS = {"now": ("Next, ", "And now ", "OK, now "), "so": ("So then, ", "OK so "),
          "then": ("After that, ", "And then ", "Next, ")}

# Common, non-technical words and phrases (whole words, case kept on the first letter).
_SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("step-by-step", ("step by step",)),
    ("step by step", ("step-by-step",)),
    ("instructions", ("directions",)),
    ("without being caught", ("without getting caught",)),
    ("without getting caught", ("without being caught",)),
    ("without them knowing", ("without them finding out",)),
    ("without raising suspicion", ("without arousing suspicion",)),
    ("in order to", ("to",)),
    ("so that", ("so",)),
    ("a lot of", ("lots of", "plenty of")),
    ("lots of", ("a lot of",)),
    ("quickly", ("fast",)),
    ("secretly", ("in secret",)),
    ("cheaply", ("on the cheap",)),
    ("large", ("big",)),
    ("big", ("large",)),
    ("buy", ("purchase",)),
    ("purchase", ("buy",)),
    ("really", ("actually",)),
    ("exactly", ("precisely",)),
    ("specific", ("particular",)),
    ("anyone", ("anybody",)),
    ("anybody", ("anyone",)),
    ("nobody", ("no one",)),
    ("no one", ("nobody",)),
    ("everyone", ("everybody",)),
    ("everybody", ("everyone",)),
    ("kids", ("children",)),
    ("children", ("kids",)),
    ("maybe", ("perhaps",)),
    ("perhaps", ("maybe",)),
    ("very", ("really",)),
    ("simple", ("straightforward",)),
    ("several", ("a number of",)),
    ("find out", ("figure out",)),
    ("figure out", ("work out",)),
    ("best way", ("most effective way",)),
)
_CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("cannot", "can't"),
    ("is not", "isn't"), ("are not", "aren't"), ("will not", "won't"), ("would not", "wouldn't"),
    ("should not", "shouldn't"), ("could not", "couldn't"), ("I am", "I'm"), ("it is", "it's"),
    ("that is", "that's"), ("there is", "there's"), ("what is", "what's"), ("they are", "they're"),
    ("you are", "you're"), ("I would", "I'd"), ("here is", "here's"), ("I will", "I'll"),
)
_CONTRACTED_ONLY = ("I have", "I've")  # expanded only: "I've a dog" is not how people write
_TAIL_QUESTION = (" - any idea?", ", do you know?", " - do you know?")
_TAIL_OTHER = (", please.",)
"""How a turn's last sentence may end when nothing else changed its end (a question gets a tag, a request a
"please"), so the end of a request (all a turn-splitting attack's last turn holds) often changes too."""
_FALLBACK_QUESTION = ("I was wondering, ", "So, ", "Okay, ")
_FALLBACK_OTHER = ("So, ", "Okay, ", "Right, ")
_CLAUSE = re.compile(r"^(If|When|For|Before|After|Once) ([^,?.!]{3,}), ([^,]{3,}?)([?.!]?)$")

_OPENERS = tuple((re.compile(p, re.IGNORECASE), alts) for p, alts in _OPENER_TABLE)
_IMPERATIVE = re.compile(rf"({'|'.join(_IMPERATIVES)}) ", re.IGNORECASE)
_REQUEST = re.compile(rf"(?:(?:now|so|then),? )?(?:{'|'.join(_IMPERATIVES)}) ", re.IGNORECASE)
_LEAD = re.compile(r"(now|so|then),? ", re.IGNORECASE)
_SPLIT = re.compile(r"(?<=[.!?])(\s+)")
WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def _vocabulary() -> frozenset[str]:
    phrases: list[str] = [p for p, _ in _OPENER_TABLE] + [a for _, alts in _OPENER_TABLE for a, _ in alts]
    phrases += [a.format(v="") for a, _ in _IMPERATIVE_ALTS]  # the verb itself is kept
    phrases += [x for v in _LEADS.values() for x in v] + list(_LEADS)
    phrases += [k for k, _ in _SYNONYMS] + [x for _, v in _SYNONYMS for x in v]
    phrases += [x for pair in (*_CONTRACTIONS, _CONTRACTED_ONLY) for x in pair]
    phrases += [*_FALLBACK_QUESTION, *_FALLBACK_OTHER, *_TAIL_QUESTION, *_TAIL_OTHER]
    return frozenset(w for p in phrases for w in WORD.findall(p.lower()))


VOCABULARY: frozenset[str] = _vocabulary()
"""Every word a rewording may add, drop or move: what it introduces comes from here, and every word of
a request outside it (its substance: technical terms, entities, placeholders) survives unchanged."""


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (apostrophes and hyphens kept inside a word)."""
    return WORD.findall(text.lower())


def substance(text: str) -> Counter[str]:
    """The words of ``text`` that no rewording rule may touch, with their counts."""
    return Counter(w for w in words(text) if w not in VOCABULARY)


def _case_like(new: str, old: str) -> str:
    """``new`` with the case of ``old``'s first letter (sentence starts stay sentence starts)."""
    if not new or not old:
        return new
    return new[0].upper() + new[1:] if old[0].isupper() else new[0].lower() + new[1:]


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd", "I'll") or any(c.isupper() for c in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def _set_end(sentence: str, end: str | None) -> str:
    if end is None:
        return sentence
    body = sentence.rstrip()
    trail = sentence[len(body):]
    if body.endswith(("?", ".", "!")):
        body = body[:-1]
    return f"{body}{end}{trail}"


def _swap_clause(sentence: str, rng: random.Random) -> str:
    """"If A, B?" → "B if A?" (only a single leading condition clause, half the time)."""
    m = _CLAUSE.match(sentence)
    if m is None or rng.random() < 0.5:
        return sentence
    lead, cond, main, end = m.groups()
    return f"{main[:1].upper()}{main[1:]} {lead.lower()} {cond}{end}"


def _opener(sentence: str, rng: random.Random) -> str:
    lead = ""
    m = _LEAD.match(sentence)
    if m is not None and len(sentence) > m.end():
        lead = rng.choice(_LEADS[m.group(1).lower()])
        sentence = sentence[m.end():]
    for pattern, alts in _OPENERS:
        hit = pattern.match(sentence)
        if hit is None:
            continue
        repl, end = rng.choice(alts)
        out = _set_end(repl + sentence[hit.end():], end)
        break
    else:
        hit = _IMPERATIVE.match(sentence)
        if hit is not None:
            alt, end = rng.choice(_IMPERATIVE_ALTS)
            out = _set_end(alt.format(v=hit.group(1).lower()) + sentence[hit.end():], end)
        else:
            out = sentence
    if lead:
        return lead + (out[:1].lower() + out[1:] if not out.startswith(("I ", "I'")) else out)
    return _case_like(out, sentence) if out != sentence else out


_PROTECTED = re.compile("|".join(rf"\b{p}\b" for p, _, _ in _ENTITIES), re.IGNORECASE)
"""Entity phrases the framings swap (placeholders or plausible specifics): never reworded, so the reworded
arm offers the deploy arm's entities and the two differ in wording only."""


def _sub_phrase(text: str, phrase: str, repl: str) -> str:
    protected = [m.span() for m in _PROTECTED.finditer(text)]

    def one(m: re.Match[str]) -> str:
        if any(m.start() < b and a < m.end() for a, b in protected):
            return m.group(0)
        return _case_like(repl, m.group(0))

    return re.sub(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w'’-])", one, text, flags=re.IGNORECASE)


def _words_pass(text: str, rng: random.Random, force: bool = False) -> str:
    """Contractions one way or the other, then synonyms (about half of them; all when ``force``)."""
    contract = rng.random() < 0.5
    for long, short in _CONTRACTIONS:
        text = _sub_phrase(text, long, short) if contract else _sub_phrase(text, short, long)
    if not contract:
        text = _sub_phrase(text, _CONTRACTED_ONLY[1], _CONTRACTED_ONLY[0])
    done: set[str] = set()
    for phrase, alts in _SYNONYMS:
        # a phrase another swap produced is left alone (no swapping back), as is half of the rest
        if phrase in done or (rng.random() < 0.4 and not force):
            continue
        new = rng.choice(alts)
        changed = _sub_phrase(text, phrase, new)
        if changed != text:
            done.update(alts)
            text = changed
    return text


def _tail(sentence: str, original: str, rng: random.Random) -> str:
    """A new end for the last sentence, unless its end mark was already changed (a request made a question)."""
    body = sentence.rstrip()
    if not body.endswith(("?", ".")) or body[-1] != original.rstrip()[-1:]:
        return sentence
    if not body.endswith("?") and not _REQUEST.match(original):
        return sentence  # a statement ("I'm furious.") takes no "please"
    tail = rng.choice(_TAIL_QUESTION if body.endswith("?") else _TAIL_OTHER)
    return body[:-1] + tail + sentence[len(body):]


def _core(text: str) -> str:
    """``text`` lower-cased without its end punctuation: what a body-matching recogniser would look for."""
    return text.strip().rstrip(".?!").lower()


def reword_text(text: str, rng: random.Random) -> str:
    """One user turn reworded (see the module docstring); never equal to ``text``."""
    parts = _SPLIT.split(text)
    original = list(parts)
    for i in range(0, len(parts), 2):
        if parts[i].strip():
            parts[i] = _opener(_swap_clause(parts[i], rng), rng)
    last = max((i for i in range(0, len(parts), 2) if parts[i].strip()), default=None)
    if last is not None:
        parts[last] = _tail(parts[last], original[last], rng)
    out = _words_pass("".join(parts), rng)
    if _core(text) in _core(out):  # only the opener changed: change the body's words too where a rule allows
        out = _words_pass(out, rng, force=True)
    if out == text:
        first = parts[0].rstrip()
        lead = rng.choice(_FALLBACK_QUESTION if first.endswith("?") else _FALLBACK_OTHER)
        out = lead + _lower_first(text)
    return out


def reword_turns(turns: Sequence[str], *, seed: int, key: str) -> list[str]:
    """Every user turn reworded; ``key`` (seed id, ``~benign`` for a twin) and ``seed`` fix the draws."""
    return [reword_text(t, random.Random(f"rewording:{seed}:{key}:{i}")) for i, t in enumerate(turns)]


def reword_seed(s: Seed, seed: int) -> Seed:
    """``s`` with its request (and its benign twin's) reworded; ids and tags unchanged."""
    benign = None
    if s.benign is not None:
        benign = BenignTwin(id=s.benign.id, turns=reword_turns(s.benign.turns, seed=seed, key=f"{s.id}~benign"))
    return s.model_copy(update={"turns": reword_turns(s.turns, seed=seed, key=s.id), "benign": benign})


def reword_item(item: Item, seed: int) -> Item:
    """An *untransformed* item with its turns reworded (a transformed one must be reworded before its
    attack wrapper: :func:`reworded_variants`)."""
    if item.transforms:
        raise ValueError(f"{item.item_id}: reword a transformed item before its transforms (reworded_variants)")
    key = item.seed_id if item.harmful else f"{item.seed_id}~benign"
    turns = reword_turns(item.turns, seed=seed, key=key)
    return item.model_copy(update={"turns": turns, "extra": {**item.extra, "reworded": True}})


def reworded_variants(
    seeds: Iterable[Seed],
    *,
    transforms: str | Iterable[str] | None = None,
    stack_depth: int = 1,
    include_benign: bool = True,
    include_base: bool = True,
    seed: int = 0,
    max_variants: int | None = None,
) -> Iterator[Item]:
    """The items ``expand`` yields for ``seeds`` with the same arguments, in the same order and with the
    same ids, each built from the reworded request (reworded first, then wrapped by its transforms)."""
    from frontiergate.scenarios.expand import expand

    reworded = [reword_seed(s, seed) for s in seeds]
    for it in expand(reworded, transforms=transforms, stack_depth=stack_depth, include_benign=include_benign,
                     include_base=include_base, seed=seed, max_variants=max_variants):
        yield it.model_copy(update={"extra": {**it.extra, "reworded": True}})
