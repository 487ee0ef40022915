"""GitHub event payloads shaped like the real ones (the fields benchguard reads, and enough of the
rest to look like GitHub's), and pull requests as GitHub keeps them in a repository."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from conftest import Project, slow_down

REPOSITORY = "octo/demo"
FORK = "someone/demo"


def _repository(full_name: str, *, fork: bool = False) -> dict[str, Any]:
    owner = full_name.split("/")[0]
    return {"id": 4242 if not fork else 5151, "name": full_name.split("/")[1],
            "full_name": full_name, "fork": fork, "private": False,
            "owner": {"login": owner, "type": "User"}, "default_branch": "main",
            "html_url": f"https://github.com/{full_name}"}


def pull_request(number: int, base: str, head: str, *, labels: tuple[str, ...] = (),
                 fork: bool = False, action: str = "synchronize",
                 updated_at: str | None = None) -> dict[str, Any]:
    """``updated_at``: when the event says the pull request was last updated (default: now)."""
    head_repository = FORK if fork else REPOSITORY
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number, "state": "closed" if action == "closed" else "open",
            "title": "Make Sum faster", "user": {"login": "contributor", "type": "User"},
            "labels": [{"id": 100 + i, "name": name, "color": "ededed", "default": False}
                       for i, name in enumerate(labels)],
            "base": {"label": "octo:main", "ref": "main", "sha": base,
                     "repo": _repository(REPOSITORY)},
            "head": {"label": f"{head_repository.split('/')[0]}:faster", "ref": "faster",
                     "sha": head, "repo": _repository(head_repository, fork=fork)},
            "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
            "updated_at": updated_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        **({"label": {"name": labels[-1]}} if action == "labeled" and labels else {}),
        "repository": _repository(REPOSITORY),
        "sender": {"login": "maintainer" if action == "labeled" else "contributor"},
    }


def push(before: str, after: str, *, ref: str = "refs/heads/main") -> dict[str, Any]:
    return {"ref": ref, "before": before, "after": after, "created": False, "deleted": False,
            "forced": False, "base_ref": None,
            "head_commit": {"id": after, "message": "Merge pull request #7"},
            "repository": _repository(REPOSITORY), "pusher": {"name": "maintainer"},
            "sender": {"login": "maintainer"}}


def workflow_run(run_id: int, head: str, *, pull_requests: tuple[int, ...] = (),
                 conclusion: str = "failure", event: str = "pull_request",
                 fork: bool = True) -> dict[str, Any]:
    """What a `workflow_run` workflow gets when the check finished; GitHub lists no pull
    requests for a fork's."""
    return {
        "action": "completed",
        "workflow_run": {
            "id": run_id, "name": "benchguard check", "event": event, "status": "completed",
            "conclusion": conclusion, "head_sha": head, "head_branch": "faster",
            "html_url": f"https://github.com/{REPOSITORY}/actions/runs/{run_id}",
            "pull_requests": [{"number": n, "head": {"sha": head}} for n in pull_requests],
            "head_repository": _repository(FORK if fork else REPOSITORY, fork=fork),
            "repository": _repository(REPOSITORY),
        },
        "workflow": {"name": "benchguard check"},
        "repository": _repository(REPOSITORY),
        "sender": {"login": "contributor"},
    }


def open_pull_request(project: Project, number: int, *, factor: int = 3,
                      change: Callable[[Project], None] | None = None) -> tuple[str, str, str]:
    """A branch whose one commit makes Sum ``factor`` times slower (1: a comment only), or makes
    ``change``, pushed as GitHub keeps a pull request: refs/pull/N/head and its merge into main
    at refs/pull/N/merge. (base, head, merge)."""
    base = project.head()
    project.sh("git checkout -q -b faster")
    if change is not None:
        change(project)
    elif factor == 1:
        path = project.root / "hashing" / "hash.go"
        path.write_text(path.read_text(encoding="utf-8") + "\n// Sum is FNV-1a.\n",
                        encoding="utf-8")
    else:
        slow_down(project.root, "hashing/hash.go", factor)
    head = project.commit("change Sum")
    project.sh(f"git checkout -q --detach {base} && git merge -q --no-ff --no-edit {head}")
    merge = project.head()
    project.sh(f"""
        git push -q origin {head}:refs/pull/{number}/head {merge}:refs/pull/{number}/merge
        git checkout -q main
    """)
    return base, head, merge
