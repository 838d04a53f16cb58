"""The floor for loading revisions: read every file of the project from git and parse its YAML.

Same plumbing as agentcd's git reader (`git ls-tree`, then one `git cat-file --batch` for every
blob), UTF-8 decoding of every file, and PyYAML's C loader for the documents a loader must
parse (the project file, agent definitions, eval suites, SKILL.md frontmatter; tool specs are
inlined as text, not parsed); nothing else. Each distinct blob is read and parsed once.

    python -m bench.bare_read REPO REV [REV ...]
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import yaml


def list_blobs(repo: Path, rev: str) -> dict[str, str]:
    """path -> blob id for every file in `rev`."""
    out = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "--full-tree", rev],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    blobs: dict[str, str] = {}
    for record in out.split(b"\0"):
        if record:
            meta, _, name = record.partition(b"\t")
            blobs[name.decode()] = meta.split()[2].decode()
    return blobs


def read_blobs(repo: Path, oids: list[str]) -> list[bytes]:
    """The contents of `oids`, in order, through one `git cat-file --batch`."""
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    request = "".join(oid + "\n" for oid in oids).encode()
    writer = threading.Thread(target=_feed, args=(proc.stdin, request))
    writer.start()
    contents = []
    for _ in oids:
        size = int(proc.stdout.readline().split()[2])
        contents.append(proc.stdout.read(size + 1)[:-1])
    writer.join()
    proc.wait()
    return contents


def _feed(stdin: object, data: bytes) -> None:
    stdin.write(data)  # type: ignore[attr-defined]
    stdin.close()  # type: ignore[attr-defined]


def _yaml_part(path: str, text: str) -> str | None:
    name = path.rpartition("/")[2]
    if name in ("agentcd.yaml", "agent.yaml") or "/evals/" in path:
        return text
    if name == "SKILL.md" and text.startswith("---\n"):
        return text[4:].partition("\n---\n")[0]
    return None


def main(argv: list[str]) -> int:
    repo, revs = Path(argv[0]), argv[1:]
    paths: dict[str, str] = {}
    for rev in revs:
        for path, oid in list_blobs(repo, rev).items():
            paths.setdefault(oid, path)
    oids = sorted(paths)
    parsed = 0
    for oid, data in zip(oids, read_blobs(repo, oids), strict=True):
        document = _yaml_part(paths[oid], data.decode("utf-8"))
        if document is not None:
            yaml.load(document, Loader=yaml.CSafeLoader)  # the C SafeLoader: plain data only
            parsed += 1
    print(f"{len(oids)} blobs, {parsed} YAML documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
