"""When benchguard itself fails (a bug: exit 4), the traceback goes to a log only its user can
read, that nobody else can make it write elsewhere, with every secret masked; and when even the
log cannot be written, the exit status still says "a bug in benchguard"."""

from __future__ import annotations

import os
import re
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fake_github import TOKEN

# A fault injected into the real entry point: an exception quoting the token, as a urllib or
# git error might.
CRASHING = (
    "import os, sys\n"
    "import benchguard.commands.status as status\n"
    "def crash(args):\n"
    "    raise RuntimeError('GET https://x-access-token:' + os.environ['GITHUB_TOKEN']\n"
    "                       + '@github.com/o/r failed')\n"
    "status.run = crash\n"
    "from benchguard.main import main\n"
    "sys.exit(main(['status']))\n")


@pytest.fixture
def temp(tmp_path: Path) -> Path:
    """The TMPDIR the crash happens under (shared with other users, as /tmp is)."""
    place = tmp_path / "temp"
    place.mkdir()
    return place


def crash(tmp_path: Path, temp: Path, *, file_size_limit: int | None = None
          ) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_size_limit is not None:  # a full disk, as far as writing a file goes
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run([sys.executable, "-c", CRASHING], cwd=tmp_path, capture_output=True,
                          text=True, check=False, preexec_fn=limit,
                          env={**os.environ, "GITHUB_TOKEN": TOKEN, "TMPDIR": str(temp)})


def log_of(proc: subprocess.CompletedProcess[str]) -> Path:
    found = re.search(r"^benchguard: the traceback is in (.+); please report it$", proc.stderr,
                      re.MULTILINE)
    assert found, proc.stderr
    return Path(found.group(1))


def test_a_crash_log_is_new_private_and_redacted(tmp_path: Path, temp: Path) -> None:
    first, second = crash(tmp_path, temp), crash(tmp_path, temp)

    assert first.returncode == second.returncode == 4, first.stderr
    assert log_of(first) != log_of(second)  # one log per crash, none overwritten
    for proc in (first, second):
        log = log_of(proc)
        assert log.parent.parent == temp
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        text = log.read_text(encoding="utf-8")
        assert "RuntimeError" in text and "https://***@github.com/o/r" in text
        assert TOKEN not in text + proc.stderr


def test_a_symbolic_link_planted_where_the_log_goes_is_never_followed(
        tmp_path: Path, temp: Path) -> None:
    # Another user of the machine plants links at the names a crash log might take.
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n", encoding="utf-8")
    for name in ("benchguard-error.log", "benchguard-crash.log", "traceback.log"):
        (temp / name).symlink_to(victim)

    proc = crash(tmp_path, temp)

    assert proc.returncode == 4, proc.stderr
    assert victim.read_text(encoding="utf-8") == "someone else's file\n"
    assert not log_of(proc).is_symlink()


def test_a_crash_log_that_cannot_be_written_still_exits_4_and_shows_no_secret(
        tmp_path: Path, temp: Path) -> None:
    proc = crash(tmp_path, temp, file_size_limit=0)

    assert proc.returncode == 4, proc.stderr
    assert "benchguard: unexpected error: RuntimeError: GET https://***@github.com/o/r failed" \
        in proc.stderr
    assert re.search(r"^benchguard: could not write the traceback to a log \(.+\); here it is:$",
                     proc.stderr, re.MULTILINE), proc.stderr
    assert "Traceback (most recent call last)" in proc.stderr  # the log's text, redacted
    assert TOKEN not in proc.stderr
    assert list(temp.iterdir()) == []  # no empty directory left behind
