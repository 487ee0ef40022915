"""The name of the virtualenv action.yml installs benchguard into: a digest of exactly what it is
installed from (the package's files, pyproject.toml, the pinned requirements). A job that uses two
versions of the action, or finds a virtualenv an earlier step left behind, never runs one
version's code under another's name.

    python3 action/venv_key.py ACTION_PATH   ->   16 hex digits
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def key(root: Path) -> str:
    digest = hashlib.sha256()
    files = [root / "pyproject.toml", root / "action" / "requirements.txt",
             *sorted((root / "benchguard").rglob("*.py"))]
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    sys.stdout.write(key(Path(sys.argv[1])) + "\n")
