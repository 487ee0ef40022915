"""The one pull-request comment benchguard keeps up to date, and what may go into it.

The comment is found again by a hidden marker at the start of its body, written by the account
that posts it; anything else (a copy of the marker in someone else's comment) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from benchguard.ci.environment import GitHub
from benchguard.ci.github import ApiError, Client, Comment
from benchguard.progress import Reporter
from benchguard.redact import redact
from benchguard.style import printable

MARKER = "<!-- benchguard: pull request report -->"
LIMIT = 60_000  # GitHub refuses a body over 65,536 characters

# Bidirectional overrides reorder what a reader sees ("Trojan Source").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH_SPACE = "\u200b"
# Where GitHub-flavoured Markdown turns text into something live, and the character after which
# a zero-width space keeps it text (invisible, even inside a code span, where a backslash escape
# would show): after every `]` (no inline link `](`, no full or collapsed reference `][`, no
# link or footnote definition `]:` — so no shortcut reference either), after `@` (a mention,
# an e-mail autolink, owner/repo@sha), after `#` and `GH-` before a digit (issue references),
# in a URL's `://` and after `www` (autolinks of bare URLs), and after `!` before `[`.
_LIVE = re.compile(r"\]|@(?=\S)|#(?=\d)|(?i:\bGH)(?=-\d)|(?<=[A-Za-z0-9+.-]):(?=//)"
                   r"|(?i:\bwww)(?=\.)|!(?=\[)")


class Posted(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    NOT_CREATED = "not created"  # nothing worth a new comment, and there was none to update


@dataclass(frozen=True)
class Result:
    posted: Posted
    comment: Comment | None


def upsert(client: Client, number: int, body: str, *, author: str, create: bool = True
           ) -> Result:
    """Update benchguard's comment on ``number`` with ``body``, or add it (when ``create``)."""
    ours = [comment for comment in client.comments(number)
            if comment.author == author and comment.body.startswith(MARKER)]
    if ours:
        return Result(Posted.UPDATED, client.update_comment(ours[0].id, body))
    if not create:
        return Result(Posted.NOT_CREATED, None)
    return Result(Posted.CREATED, client.create_comment(number, body))


def post(github: GitHub, number: int, text: str, *, author: str, create: bool,
         reporter: Reporter) -> Result | None:
    """upsert, with what went wrong told to ``reporter`` as a warning: a comment that cannot be
    posted (no token, a read-only token, a rate limit, no network) never changes the verdict."""
    if github.token is None:
        reporter.progress("no GITHUB_TOKEN: no comment posted")
        return None
    try:
        client = Client(github.api_url, github.repository, github.token)
        result = upsert(client, number, text, author=author, create=create)
    except ApiError as error:
        reporter.warn(f"could not comment on pull request #{number}: {error.message}")
        return None
    if result.posted == Posted.NOT_CREATED:
        reporter.progress(f"nothing checked: no comment added to pull request #{number}")
    else:
        reporter.progress(f"{result.posted} the comment on pull request #{number}")
    return result


def body(report: str, *, header: str = "") -> str:
    """The comment for a report: the marker, ``header`` (benchguard's own markdown), then
    ``report`` made safe to post, its secrets masked."""
    return f"{MARKER}\n{header}{sanitize(redact(report))}"


def sanitize(markdown: str, *, limit: int = LIMIT) -> str:
    """``markdown`` as text that can do nothing but show itself in a comment: no HTML (so no
    hidden comment or marker) and no character reference (`&#x40;` would render as `@`), no
    @mention or #reference that notifies anyone, no link, image, link definition or bare URL
    that GitHub would make live, no control or bidirectional characters, and at most ``limit``
    characters. Benchmark names, package paths and override reasons come from the code and
    commits under test, and a fork's report is wholly the fork's."""
    text = printable(markdown, lines=True)
    text = _BIDI.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _LIVE.sub(lambda match: match.group() + _ZERO_WIDTH_SPACE, text)
    if len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        text = text[:cut if cut > 0 else limit] + \
            "\n\n… (cut short: the whole report is in the run's summary)"
    return text
