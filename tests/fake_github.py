"""A recording stand-in for GitHub's REST API on 127.0.0.1: issue comments (listed a few per page,
with Link headers, as GitHub pages them), pull requests' heads, and the refusals a CI run meets
(a read-only token's 403, a rate limit)."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ghs_" + "S3cr3tT0ken" * 4  # shaped like an installation token
REPOSITORY = "octo/demo"
BOT = "github-actions[bot]"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    url: str = ""
    token: str = TOKEN
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[int, str] = field(default_factory=dict)  # number -> head sha
    requests: list[Request] = field(default_factory=list)
    refuse_writes: bool = False  # a fork's read-only token
    rate_limited: bool = False
    page_size: int = 2
    _next_id: int = 9000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_comment(self, number: int, body: str, author: str) -> dict[str, Any]:
        self._next_id += 1
        comment = {"id": self._next_id, "body": body, "user": {"login": author,
                                                               "type": "User"}}
        self.comments.setdefault(number, []).append(comment)
        return comment

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method in ("POST", "PATCH")]

    def ours(self, number: int) -> list[dict[str, Any]]:
        """benchguard's comments on ``number``."""
        return [c for c in self.comments.get(number, [])
                if c["user"]["login"] == BOT and c["body"].startswith("<!-- benchguard")]


class _Handler(BaseHTTPRequestHandler):
    api: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self) -> None:
        api = self.api
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        parts = urllib.parse.urlsplit(self.path)
        with api.lock:
            api.requests.append(Request(self.command, parts.path, dict(self.headers), body))
        if self.headers.get("Authorization") != f"Bearer {api.token}":
            return self._answer(401, {"message": "Bad credentials"})
        if api.rate_limited:
            return self._answer(403, {"message": "API rate limit exceeded"},
                                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000"})
        segments = parts.path.strip("/").split("/")
        if segments[:3] != ["repos", *REPOSITORY.split("/")]:
            return self._answer(404, {"message": "Not Found"})
        rest = segments[3:]
        if self.command in ("POST", "PATCH") and api.refuse_writes:
            return self._answer(403, {"message": "Resource not accessible by integration"})
        with api.lock:
            if rest[:1] == ["issues"] and len(rest) == 3 and rest[2] == "comments":
                return self._issue_comments(int(rest[1]), parts.query, body)
            if rest[:2] == ["issues", "comments"] and self.command == "PATCH":
                return self._update(int(rest[2]), body)
            if rest[:1] == ["pulls"] and self.command == "GET" and int(rest[1]) in api.pulls:
                return self._answer(200, {"number": int(rest[1]),
                                          "head": {"sha": api.pulls[int(rest[1])]}})
        return self._answer(404, {"message": "Not Found"})

    def _issue_comments(self, number: int, query: str, body: Any) -> None:
        api = self.api
        if self.command == "POST":
            return self._answer(201, api.add_comment(number, body["body"], BOT))
        page = int(urllib.parse.parse_qs(query).get("page", ["1"])[0])
        found = api.comments.get(number, [])
        start = (page - 1) * api.page_size
        headers = {}
        if start + api.page_size < len(found):
            headers["Link"] = (f'<{api.url}/repos/{REPOSITORY}/issues/{number}/comments'
                               f'?per_page=100&page={page + 1}>; rel="next"')
        return self._answer(200, found[start:start + api.page_size], headers)

    def _update(self, comment_id: int, body: Any) -> None:
        for comments in self.api.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    if comment["user"]["login"] != BOT:
                        return self._answer(403, {"message": "not yours"})
                    comment["body"] = body["body"]
                    return self._answer(200, comment)
        return self._answer(404, {"message": "Not Found"})

    do_GET = _handle
    do_POST = _handle
    do_PATCH = _handle


@contextlib.contextmanager
def serve() -> Iterator[FakeGitHub]:
    """The fake API, answering on a free port of 127.0.0.1 until the block ends."""
    api = FakeGitHub()
    handler = type("Handler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
