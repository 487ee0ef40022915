"""A comment as GitHub shows it: rendered by cmark-gfm, GitHub's own Markdown renderer, with the
extensions GitHub uses (autolinks, tables, tag filter), raw HTML let through as GitHub's own
sanitiser would mostly let it through; then what would link, load, mention or reference."""

from __future__ import annotations

import html
import re

import cmarkgfm
from cmarkgfm.cmark import Options

# GitHub links @login and @org/team, #123, GH-123 and owner/repo#123 in the text of a comment.
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_REFERENCE = re.compile(r"(?:^|[^\w&])#\d|\bGH-\d", re.IGNORECASE)


def render(markdown: str) -> str:
    rendered: str = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE)
    return rendered


def live_parts(markdown: str) -> list[str]:
    """Everything in ``markdown`` that GitHub would make do something: links, images, HTML
    elements (other than comments), mentions and issue references. Empty when it can only
    show itself."""
    rendered = render(markdown)
    found = re.findall(r"<a\s[^>]*>|<img\s[^>]*>", rendered)
    found += [tag for tag in re.findall(r"<(?!/)([a-z][a-z0-9]*)", rendered)
              if tag not in _STRUCTURE]
    text = html.unescape(re.sub(r"<[^>]*>", " ", rendered))
    found += [match.group() for pattern in (_MENTION, _REFERENCE)
              for match in pattern.finditer(text)]
    return found


# What benchguard's own Markdown renders to: paragraphs, headings, emphasis, lists, code, tables.
_STRUCTURE = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "ul", "ol", "li", "code",
              "pre", "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "blockquote", "del"}
