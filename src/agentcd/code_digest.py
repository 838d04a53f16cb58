"""Which source this agentcd runs: a digest of its own package files. Standard library only.

`agentcd --version` prints it, and the CI install scripts compare it with the digest of the
checkout they were asked to run (computed by this same module, run from that checkout's
`src/`), so an agentcd already on PATH is reused only when it is built from the same code.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def code_digest(package: Path = PACKAGE) -> str:
    """sha256 over each module's path (relative to the package) and bytes, in path order."""
    h = hashlib.sha256()
    files = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".typed") and p.is_file())
    for path in files:
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


if __name__ == "__main__":  # python -m agentcd.code_digest [PACKAGE_DIR]
    print(code_digest(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE))
