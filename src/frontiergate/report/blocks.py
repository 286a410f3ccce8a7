"""The report's content model: what is said, in which order, with which links, in no output language.

``content.build_document`` turns ``report.json`` into a :class:`Document`; the Markdown and the HTML
templates both walk the same document, so the two formats cannot drift apart (same sections, same
order, same numbers, same links). Blocks hold plain strings; escaping happens in the templates, once,
for the language being written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Span:
    """A run of inline text. ``style``: '' | code | strong | em | muted | hash. ``href``: a link target
    (an in-page ``#anchor`` or a dashboard URL)."""

    text: str
    style: str = ""
    href: str | None = None


Inline = tuple[Span, ...]


def txt(*parts: str | Span) -> Inline:
    """Inline content from strings (plain text) and spans."""
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts)


def join(spans: list[Span], sep: str = " · ") -> Inline:
    out: list[Span] = []
    for i, s in enumerate(spans):
        if i:
            out.append(Span(sep))
        out.append(s)
    return tuple(out)


class Block:
    """Base of every block; ``kind`` selects the template macro that renders it."""

    kind: ClassVar[str] = "block"


@dataclass(frozen=True)
class Para(Block):
    spans: Inline
    css: str = ""
    kind: ClassVar[str] = "para"


@dataclass(frozen=True)
class Heading(Block):
    """A sub-heading inside a section (h3 in HTML, ### in Markdown)."""

    spans: Inline
    anchor: str = ""
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Table(Block):
    head: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]
    css: str = ""
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class Figure(Block):
    """An inline SVG plot. ``alt`` says what it shows for readers who cannot see it; ``links`` lead to
    the samples behind it (the Inspect logs link is added by the templates, always)."""

    anchor: str
    svg: str
    alt: str
    caption: str
    links: tuple[Span, ...]
    kind: ClassVar[str] = "figure"


@dataclass(frozen=True)
class Items(Block):
    items: tuple[Inline, ...]
    css: str = ""
    kind: ClassVar[str] = "items"


@dataclass(frozen=True)
class Markdown(Block):
    """Markdown written by a report section module (converted with markdown-it-py for HTML)."""

    text: str
    kind: ClassVar[str] = "markdown"


@dataclass(frozen=True)
class Pre(Block):
    text: str
    kind: ClassVar[str] = "pre"


@dataclass(frozen=True)
class Card(Block):
    """A framed group (the decision of one target)."""

    css: str
    target: str
    blocks: tuple[Block, ...]
    kind: ClassVar[str] = "card"


@dataclass(frozen=True)
class Fold(Block):
    """Detail a reader opens on demand (<details> in HTML; a bold label in Markdown)."""

    summary: str
    blocks: tuple[Block, ...]
    kind: ClassVar[str] = "fold"


@dataclass(frozen=True)
class Ref:
    """One sample: its transcript reference, where it is stored, and its dashboard page if any."""

    ref: str
    log: str
    member: str
    href: str | None = None


@dataclass(frozen=True)
class EvidenceList(Block):
    anchor: str
    title: str
    note: str
    refs: tuple[Ref, ...]
    kind: ClassVar[str] = "evidence"


@dataclass(frozen=True)
class Section:
    """A top-level section: ``anchor`` is its id in HTML and its ``<a id>`` in Markdown."""

    anchor: str
    title: str
    blocks: tuple[Block, ...]
    module: str = ""


@dataclass(frozen=True)
class Document:
    title: str
    head_title: str
    byline: Inline
    banner: str | None
    sections: tuple[Section, ...]
    toc_after: int = 0
    """Index of the section after which the table of contents goes (after the first screen)."""

    @property
    def toc(self) -> list[tuple[str, str]]:
        return [(s.anchor, s.title) for s in self.sections]
