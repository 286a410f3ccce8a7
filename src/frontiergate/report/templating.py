"""The two Jinja2 environments that render the content model: HTML (autoescaped) and Markdown.

Templates live in ``frontiergate/report/templates`` and ship as package data (``**/*.j2``). The HTML
environment escapes every value by default; the Markdown one cannot (Markdown has no single escape),
so its templates pass every value through ``mdx``/``mdcode``, and the tests render hostile text
through both.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from frontiergate.report.markup import md_code, md_escape, md_href, md_to_html, neutralise_markdown, safe_href


def svg_with_alt(svg: str, alt: str) -> Markup:
    """The inline SVG (trusted: drawn by ``plots``) as an image with alt text for assistive tech."""
    head, sep, rest = svg.partition("<svg")
    if not sep:
        return Markup("")
    return Markup(f'{head}<svg role="img" aria-label="{html.escape(alt, quote=True)}"{rest}')


def fence(text: str) -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}\n{text}\n{bar}"


def _loader() -> PackageLoader:
    return PackageLoader("frontiergate.report", "templates")


@lru_cache(maxsize=1)
def html_env() -> Environment:
    env = Environment(loader=_loader(), autoescape=True, undefined=StrictUndefined)
    env.filters.update(md_html=lambda text: Markup(md_to_html(str(text))), svg_alt=svg_with_alt)
    env.tests["safe_link"] = safe_href
    return env


@lru_cache(maxsize=1)
def md_env() -> Environment:
    env = Environment(loader=_loader(), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(mdx=md_escape, mdcode=md_code, mdhref=md_href, neutral=neutralise_markdown, fence=fence)
    env.tests["safe_link"] = safe_href
    env.globals["nl"] = "\n"
    return env
