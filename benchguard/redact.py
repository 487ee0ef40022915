"""Secrets never reach a terminal, a CI log or the crash log: every line benchguard writes about an
error passes through ``redact``. CI hands tokens to benchguard in the environment (GITHUB_TOKEN) and
in remote URLs (GitLab's https://gitlab-ci-token:TOKEN@host/…), and a git or HTTP error may quote
either."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

MASK = "***"

# A variable whose name says TOKEN, SECRET, PASSWORD, CREDENTIAL, or PRIVATE or KEY as a word
# (GITHUB_TOKEN, CI_JOB_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN, DEPLOY_KEY, SSH_PRIVATE_KEY)
# holds a secret: its value is masked wherever it appears, and go never sees it. GOPRIVATE
# (which modules are private, not a secret; go needs it) is not one.
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)(PRIVATE|KEY)($|_)",
                          re.IGNORECASE)
_SHORTEST_SECRET = 8  # shorter values ("1", "true") would mask ordinary words

_PATTERNS = (
    # user:password@ in a URL
    (re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), rf"\g<keep>{MASK}@"),
    # an Authorization header, as in a request dump: keep the scheme word, mask the rest
    (re.compile(r"(?P<keep>(?i:authorization)[\"']?\s*[:=]\s*[\"']?(?:(?i:bearer|token|basic)\s+)?)"
                r"[^\s\"',}]+"), rf"\g<keep>{MASK}"),
    # token formats GitHub and GitLab issue, wherever they appear
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
                r"|glpat-[A-Za-z0-9_-]{20,})"), MASK),
)


def is_secret_name(name: str) -> bool:
    """Whether the environment variable ``name`` holds a secret, by its name."""
    return _SECRET_NAME.search(name) is not None


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values of the environment that are secrets, longest first (a token that contains
    another is masked whole)."""
    values = {value for name, value in environ.items()
              if is_secret_name(name) and len(value) >= _SHORTEST_SECRET}
    return sorted(values, key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every secret of ``environ`` (default: this process's) and every credential
    that looks like one replaced by ``***``."""
    for value in secret_values(os.environ if environ is None else environ):
        text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
