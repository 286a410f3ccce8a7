"""Escaping for the two output languages, and the one Markdown-to-HTML converter.

Report text is untrusted: rationales quote findings, claims come from user files, evidence names come
from sample ids, and section modules quote model output. Two rules keep that text inert:

* HTML: section Markdown is converted with markdown-it-py with raw HTML *disabled* (any ``<tag>`` in
  the text is shown as text), images disabled (an image would fetch from the network) and links
  limited to in-page anchors and relative paths (no ``javascript:``, no remote hosts).
* Markdown: plain text is backslash-escaped, so a reader's Markdown renderer shows ``<script>`` as
  text and cannot be tricked into links, emphasis or tables the report did not make.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from markdown_it import MarkdownIt

_MD_SPECIAL = re.compile(r"([\\`*\[\]<|~]|&(?=#?[0-9A-Za-z]+;))")
_BLOCK_START = re.compile(r"^(\s*)(#|>|[+-](?=\s|$))")
_LIST_NUMBER = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
_LONE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def safe_href(url: str) -> bool:
    """Links the report may contain: in-page anchors and same-site relative paths only.

    A report must open offline and must not send its reader anywhere: no scheme (``http:``,
    ``javascript:``, ``data:``), no protocol-relative ``//host``.
    """
    u = url.strip()
    if not u or u.startswith("//") or "\\" in u:
        return False
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", u) is None


@lru_cache(maxsize=1)
def _converter() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")
    md.validateLink = safe_href  # type: ignore[method-assign]
    return md


def md_to_html(text: str) -> str:
    """Section Markdown as HTML; raw HTML in ``text`` comes out escaped, never as markup."""
    return str(_converter().render(text))


def md_escape(text: object) -> str:
    """Plain text as literal Markdown: every character that could start markup is backslash-escaped.

    Underscores inside words (``attack_success_rate``) cannot start emphasis in CommonMark, so they
    stay readable; newlines become spaces so a value can never start a new block.
    """
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _LONE_UNDERSCORE.sub(r"\\_", s)
    s = re.sub(r"\s*\n\s*", " ", s)
    s = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
    return _LIST_NUMBER.sub(lambda m: m.group(1) + "\\" + m.group(2), s)


def md_code(text: object) -> str:
    """A code span when the text is safe in one (no backtick, no angle bracket), else escaped text.

    Inside a code span backslash escapes do not work, so text that could read as a tag to a plain-text
    reader (or a pipe, which would split a table cell) is written as escaped text instead.
    """
    s = "" if text is None else str(text).replace("\n", " ")
    if not s or re.search(r"[`<>&|]", s):
        return md_escape(s)
    return f"`{s}`"


def md_href(url: str) -> str:
    """A link destination with the characters Markdown would end it on percent-encoded."""
    return quote(url, safe="#/?=&%:;,.-_~+@!$*'")


def neutralise_markdown(text: str) -> str:
    """Section Markdown for the ``.md`` file: raw HTML tags outside code spans are escaped.

    Section modules write Markdown on purpose (tables, bold), but may quote untrusted text; a tag in
    it would be live HTML in most Markdown viewers. Code spans already show their content literally.
    """
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_TAG_START.sub(r"\\<", text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_TAG_START.sub(r"\\<", text[pos:]))
    return "".join(out)


_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.M)


def demote_headings(text: str, top: int = 4) -> str:
    """Headings in a section module's Markdown, pushed below the report's own (h2 sections, h3
    sub-headings), so a module cannot add a section the other format does not have."""
    return _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + top - 1), text)
