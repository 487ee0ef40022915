"""GitHub: the few REST calls `benchguard ci` makes (issue comments, a pull request's head), and
the files a step reports through (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).

The token goes only into an Authorization header that is never forwarded on a redirect, and only
to the API's own origin; no message this module makes contains it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import __version__
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.redact import redact
from benchguard.style import printable

if TYPE_CHECKING:
    from benchguard.engine.status import Status

_TIMEOUT = 30.0
_LARGEST_RESPONSE = 20 * 1024 * 1024
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class ApiError(Exception):
    """The API refused or could not be reached; the message says why, without the token."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    body: str


class Client:
    """Issue-comment and pull-request calls of one repository's REST API."""

    def __init__(self, api_url: str, repository: str, token: str) -> None:
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme != "https" and not (parts.scheme == "http"
                                            and parts.hostname in _LOOPBACK):
            raise ApiError(f"GITHUB_API_URL must be an https:// URL, not {api_url[:80]!r}")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._root = api_url.rstrip("/")
        self._repository = repository
        self._token = token

    def comments(self, number: int) -> list[Comment]:
        """Every comment on issue or pull request ``number``, all pages."""
        found: list[Comment] = []
        url: str | None = f"{self._root}/repos/{self._repository}/issues/{number}/comments" \
                          "?per_page=100"
        while url is not None:
            data, headers = self._request("GET", url)
            if not isinstance(data, list):
                raise ApiError(f"listing the comments of #{number}: the API answered with "
                               "something other than a list")
            found += [_comment(item) for item in data]
            url = _next_page(headers.get("link", ""))
            if url is not None and not url.startswith(self._origin + "/"):
                raise ApiError("the API's next page is on another host; not following it")
        return found

    def create_comment(self, number: int, body: str) -> Comment:
        data, _ = self._request("POST", f"{self._root}/repos/{self._repository}/issues/"
                                f"{number}/comments", {"body": body})
        return _comment(data)

    def update_comment(self, comment_id: int, body: str) -> Comment:
        data, _ = self._request("PATCH", f"{self._root}/repos/{self._repository}/issues/"
                                f"comments/{comment_id}", {"body": body})
        return _comment(data)

    def pull_request_head(self, number: int) -> str:
        """The commit pull request ``number`` of this repository points at now."""
        data, _ = self._request("GET", f"{self._root}/repos/{self._repository}/pulls/{number}")
        head = data.get("head") if isinstance(data, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(sha, str):
            raise ApiError(f"pull request #{number}: the API gave no head commit")
        return sha

    def _request(self, method: str, url: str, body: Mapping[str, Any] | None = None
                 ) -> tuple[Any, Mapping[str, str]]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"benchguard/{__version__}",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        # An unredirected header stays with this request: a redirect elsewhere does not get it.
        request.add_unredirected_header("Authorization", f"Bearer {self._token}")
        what = f"{method} {urllib.parse.urlsplit(url).path}"
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                headers = {key.lower(): value for key, value in response.headers.items()}
                raw = response.read(_LARGEST_RESPONSE + 1)
        except urllib.error.HTTPError as error:
            raise _refused(what, error) from None
        except (urllib.error.URLError, HTTPException, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(f"{what}: cannot reach {self._origin}: {reason}") from None
        if len(raw) > _LARGEST_RESPONSE:
            raise ApiError(f"{what}: the answer is larger than {_LARGEST_RESPONSE} bytes")
        try:
            return (json.loads(raw) if raw.strip() else None), headers
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError(f"{what}: the answer is not JSON") from None


def _refused(what: str, error: urllib.error.HTTPError) -> ApiError:
    """A readable ApiError for an HTTP error status, rate limits told apart."""
    headers = {key.lower(): value for key, value in (error.headers or {}).items()}
    try:
        said = json.loads(error.read(64 * 1024)).get("message", "")
    except (OSError, ValueError, AttributeError):
        said = ""
    said = printable(str(said))[:200]
    status = error.code
    if status in (403, 429) and (headers.get("x-ratelimit-remaining") == "0"
                                 or "retry-after" in headers or status == 429):
        return ApiError(f"{what}: GitHub's API rate limit was reached "
                        f"({_when_to_retry(headers)})", status=status)
    hints = {
        401: "the token was not accepted",
        403: "the token may not write here: a pull request from a fork gets a read-only token "
             "(post from a workflow_run workflow, docs/ci.md) and the job needs "
             "`permissions: pull-requests: write`",
        404: "not found (or the token cannot see this repository)",
    }
    hint = hints.get(status, "")
    return ApiError(f"{what}: HTTP {status}" + (f" {said!r}" if said else "")
                    + (f"; {hint}" if hint else ""), status=status)


def _when_to_retry(headers: Mapping[str, str]) -> str:
    retry_after = headers.get("retry-after", "")
    if retry_after.isdigit():
        return f"retry after {retry_after} s"
    reset = headers.get("x-ratelimit-reset", "")
    if reset.isdigit():
        return "resets at " + time.strftime("%H:%M:%S UTC", time.gmtime(int(reset)))
    return "try again later"


def _next_page(link: str) -> str | None:
    match = _NEXT_LINK.search(link)
    return match.group(1) if match else None


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict):
        raise ApiError("the API answered with a comment that is not an object")
    user = item.get("user")
    author = user.get("login") if isinstance(user, dict) else None
    comment_id, body = item.get("id"), item.get("body")
    if not isinstance(comment_id, int) or isinstance(comment_id, bool):
        raise ApiError("the API answered with a comment without an id")
    return Comment(comment_id, author if isinstance(author, str) else "",
                   body if isinstance(body, str) else "")


def report_outputs(environ: Mapping[str, str], status: Status, regressions: int,
                   report_path: Path) -> None:
    """The step's outputs (docs/ci.md), when the step has a GITHUB_OUTPUT file."""
    if environ.get("GITHUB_OUTPUT"):
        write_outputs(environ["GITHUB_OUTPUT"], {"status": status.value,
                                                 "regressions": str(regressions),
                                                 "report-path": str(report_path)})


def write_outputs(path: str, values: Mapping[str, str]) -> None:
    """Append step outputs to the GITHUB_OUTPUT file, each as ``name<<DELIMITER`` … so a value
    holding a newline (a path can) cannot add outputs of its own; secrets masked."""
    with open(path, "a", encoding="utf-8") as outputs:
        for name, raw in values.items():
            value = redact(raw)
            delimiter = f"benchguard_{secrets.token_hex(16)}"
            if delimiter in value:  # pragma: no cover - 128 random bits
                raise BenchguardError("output value collides with its delimiter",
                                      exit_code=EXIT_USAGE)
            outputs.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
