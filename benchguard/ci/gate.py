"""What decides a pull request's check in CI. A pull request is code, configuration and commits
of someone the repository does not have to trust, so nothing of it may waive its own check
(docs/ci.md, "What a pull request controls"):

- the settings are the base's benchguard.toml: a change the pull request makes to it is said in
  the report and takes effect once merged, unless the base's file sets
  `[ci] trust_head_config = true`;
- the Benchguard-Allow trailers of its own commits count only when the base's file sets
  `[ci] trust_head_trailers = true`;
- the `benchguard:allow` label counts only for the head it was applied to: in the run its
  `labeled` event started (the event's payload names that head), or when the label names the
  head itself (`benchguard:allow@1a2b3c4`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from benchguard import config as configuration
from benchguard.ci.environment import ALLOW_LABEL, Provider, PullRequest
from benchguard.config import BenchEntry, Config, Target
from benchguard.config.values import show
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import changes
from benchguard.store import overrides
from benchguard.store.overrides import Override
from benchguard.tools import git, modules

# `benchguard:allow@1a2b3c4`: the label names the head it lets through (7 to 64 hex digits)
_LABEL_FOR_A_HEAD = re.compile(rf"{re.escape(ALLOW_LABEL)}@([0-9a-f]{{7,64}})")


@dataclass(frozen=True)
class Said:
    """One item of the report's lists (markdown); ``refused`` when the request asked for
    something it did not get (a warning in the log)."""

    text: str
    refused: bool = False


@dataclass(frozen=True)
class Gate:
    """The configuration a pull request's check runs with, whether its own trailers count, the
    label's override, and what the report says about them."""

    config: Config
    trailers: bool
    label: list[Override]
    configuration: tuple[Said, ...]  # what the request changes in benchguard.toml, and so what
    overrides: tuple[Said, ...]  # its trailers and the label: counted or not, and why


def decide(repo: Path, request: PullRequest, config_path: str | None) -> Gate:
    """The gate of ``request``: its base's configuration and what that lets the head decide.
    The head's benchguard.toml is read and checked too: a broken one fails the check (it would
    break every push once merged)."""
    base = _config_at(repo, request.base, config_path)
    head = _config_at(repo, request.head, config_path)
    about_config: list[Said] = []
    config = _configuration(repo, request, base, head, about_config)
    about_overrides = _trailers(repo, request, counted=base.ci.trust_head_trailers)
    label = _label(request, about_overrides)
    return Gate(config, base.ci.trust_head_trailers, label, tuple(about_config),
                tuple(about_overrides))


def _configuration(repo: Path, request: PullRequest, base: Config, head: Config,
                   said: list[Said]) -> Config:
    changed = differences(base, head)
    if not changed:
        return base
    what = f"this {request.kind} changes {configuration.FILENAME}: {', '.join(changed)}"
    if base.ci.trust_head_config:
        said.append(Said(f"{what}; the check used the {request.kind}'s settings (the base's "
                         "`[ci] trust_head_config = true`)"))
        return head
    said.append(Said(f"{what}; **the check used the base's settings**: a {request.kind}'s own "
                     "configuration takes effect once merged (`[ci] trust_head_config = true` "
                     "in the base's file lets it decide its own check)", refused=True))
    return _without_packages_gone(base, modules.at_commit(repo, request.head), said)


def differences(base: Config, head: Config) -> list[str]:
    """The settings ``head`` sets otherwise than ``base``, each as `name (old → new)`."""
    found = []
    for field in dataclasses.fields(Config):
        old, new = (_unplaced(getattr(config, field.name)) for config in (base, head))
        if field.name == "path" or old == new:
            continue
        if field.name in _TABLES:
            found.append(f"`{_TABLES[field.name]}`")
        else:
            found.append(f"`{field.name}` ({_shown(old)} → {_shown(new)})")
    return found


_TABLES = {"benches": "[[bench]]", "targets": "[[target]]", "ci": "[ci]"}


def _unplaced(value: object) -> object:
    """A setting without the line numbers its tables keep for error messages: an entry that
    moved is the same entry."""
    if isinstance(value, tuple) and value and isinstance(value[0], BenchEntry | Target):
        return tuple(dataclasses.replace(item, line=0) for item in value)
    return value


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return show(value)


def _without_packages_gone(base: Config, head: modules.Layout, said: list[Said]) -> Config:
    """The base's configuration without the [[bench]] packages the head no longer has (moved or
    deleted along with the configuration change that followed them): not measured, and said."""
    entries: list[BenchEntry] = []
    for entry in base.benches:
        kept = tuple(package for package in entry.packages if head.go_files(package))
        gone = [package for package in entry.packages if package not in kept]
        if gone:
            said.append(Said(f"the base's `[[bench]]` ({configuration.FILENAME}:{entry.line}) "
                             f"names {', '.join(f'`{package}`' for package in gone)}, which "
                             "the head no longer has: not measured", refused=True))
        if kept:
            entries.append(dataclasses.replace(entry, packages=kept))
    return dataclasses.replace(base, benches=tuple(entries))


def _trailers(repo: Path, request: PullRequest, *, counted: bool) -> list[Said]:
    """The Benchguard-Allow trailers of the request's own commits, each said as counted (the
    check reads them again) or not, and why."""
    fork = git.merge_base(repo, request.base, request.head) or request.base
    messages = git.commits_with_messages(repo, fork, request.head)
    if not any(overrides.TRAILER.lower() in message.lower() for message in messages.values()):
        return []
    why = ("counted: the base's `[ci] trust_head_trailers = true`" if counted else
           f"**not counted**: the base's {configuration.FILENAME} does not let a "
           f"{request.kind}'s own commits allow its regressions (`[ci] trust_head_trailers = "
           "true` would)")
    try:
        found = overrides.from_messages(repo, messages)
    except BenchguardError as error:
        if counted:
            raise
        return [Said(f"a `{overrides.TRAILER}` trailer ({error.message}): {why}", refused=True)]
    return [Said(f"{_described(override)}: {why}", refused=not counted) for override in found]


def _described(override: Override) -> str:
    reason = f": {override.reason}" if override.reason else ""
    return f"`{override.pattern}` ({override.source}{reason})"


def _label(request: PullRequest, said: list[Said]) -> list[Override]:
    """The label's override when it counts for this head; said in ``said`` either way."""
    found = None
    for label in request.labels:
        named = _LABEL_FOR_A_HEAD.fullmatch(label)
        if named is not None and request.head.startswith(named.group(1)):
            found = _label_override(request, label, f"it names {named.group(1)}")
    if found is None and ALLOW_LABEL in request.labels and request.labelled == ALLOW_LABEL:
        # this run was started by applying the label, to this head
        found = _label_override(request, ALLOW_LABEL, "a maintainer labelled the request")
    if found is not None:
        said.append(Said(f"{_described(found)}: counted for `{request.head[:12]}`, every "
                         "regression of it"))
        return [found]
    if ALLOW_LABEL not in request.labels:
        return []
    head = f"`{ALLOW_LABEL}@{request.head[:12]}`"
    why = (f"this run was not started by applying it, so it may have been applied to an "
           f"earlier head; remove it and add it again, or label the {request.kind} {head}, to "
           "let this head through" if request.provider == Provider.GITHUB else
           "a merge request's labels do not say which head they were applied to; label it "
           f"{head} to let this head through")
    said.append(Said(f"the `{ALLOW_LABEL}` label: **not counted** for `{request.head[:12]}`: "
                     f"{why}", refused=True))
    return []


def _label_override(request: PullRequest, label: str, reason: str) -> Override:
    return overrides.make(".", f"the {label} label of {request.name}", reason)


def _config_at(repo: Path, commit: str, config_path: str | None) -> Config:
    """The configuration file at ``commit``: benchguard.toml, or ``config_path`` (`--config`)
    as that commit has it when it lies inside the repository."""
    if config_path is None:
        return changes.config_at(repo, commit, None)
    path = Path(config_path).absolute()
    try:
        inside = path.relative_to(Path(repo).absolute()).as_posix()
    except ValueError:
        return changes.config_at(repo, commit, config_path)  # the workflow's own file
    data = git.blob(repo, commit, inside)
    if data is None:
        raise BenchguardError(f"{inside}: no such configuration file at {git.short(commit)}",
                              exit_code=EXIT_USAGE)
    return configuration.parse(configuration.decode(data, filename=inside), filename=inside)

