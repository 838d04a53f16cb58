"""Print the hash-pinned requirements optional extras of agentcd add to the runtime lock.

    python3 extra_lock.py ROOT EXTRA [EXTRA...] > extras.txt

The packages come from requirements/dev.txt, which requirements/refresh compiles with every extra
and constrained by requirements/runtime.txt: the extra's own requirements (pyproject.toml), then
whatever dev.txt says is there "via" one of them, minus what runtime.txt installs already. So CI
installs the extra at exactly the versions and hashes the test suite ran with. Standard library
only: it runs before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def name(requirement: str) -> str:
    """The normalized project name a requirement line or `# via` entry starts with."""
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def blocks(lock: Path) -> dict[str, tuple[str, set[str]]]:
    """Each package of a pip lock: its lines (pin and hashes) and the names it is there via."""
    found = {}
    for block in re.split(r"\n(?=\S)", lock.read_text(encoding="utf-8")):
        if not block.strip() or block.startswith("#"):
            continue
        via = re.search(r"# via (.*)", block)
        sources = {name(v) for v in via.group(1).split(",")} if via else set()
        found[name(block)] = (block.rstrip(), sources)
    return found


def extra_lock(root: Path, *extras: str) -> str:
    """One lock for all the extras, each package once."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"]["optional-dependencies"]
    chosen = {name(r) for extra in extras for r in optional[extra]}
    dev = blocks(root / "requirements" / "dev.txt")
    missing = chosen - set(dev)
    if missing:
        raise SystemExit(f"requirements/dev.txt does not lock {', '.join(sorted(missing))}")
    grown = True
    while grown:
        more = {n for n, (_, via) in dev.items() if via & chosen} - chosen
        chosen |= more
        grown = bool(more)
    runtime = set(blocks(root / "requirements" / "runtime.txt"))
    return "".join(dev[n][0] + "\n" for n in sorted(chosen - runtime))


if __name__ == "__main__":
    sys.stdout.write(extra_lock(Path(sys.argv[1]), *sys.argv[2:]))
