"""`core.tree`: reference resolution that never leaves the project folder, reads, globs."""

from __future__ import annotations

import pytest

from agentcd.core.definition.tree import MAX_FILE_BYTES, glob_files, read_file, resolve_path
from agentcd.errors import DefinitionError
from tests.core.memtree import MemoryTree

WHERE = ("agents/a/agent.yaml", "instructions.file")
FILES = {
    "agentcd.yaml": "x",
    "agents/a/agent.yaml": "x",
    "agents/a/prompt.md": "x",
    "agents/a/skills/s/SKILL.md": "x",
    "agents/b/agent.yaml": "x",
    "shared/prompt.md": "x",
    "shared/deep/tool.yaml": "x",
}


@pytest.mark.parametrize(
    ("links", "base", "ref", "path"),
    [
        ({}, "agents/a", "prompt.md", "agents/a/prompt.md"),
        ({}, "agents/a", "./prompt.md", "agents/a/prompt.md"),
        ({}, "agents/a", "../../shared/prompt.md", "shared/prompt.md"),
        ({}, "agents/a", "skills/../prompt.md", "agents/a/prompt.md"),
        ({}, "", "agentcd.yaml", "agentcd.yaml"),
        ({}, "agents/a", "nothing.md", "agents/a/nothing.md"),  # existence is read_file's job
        ({"agents/a/p.md": "prompt.md"}, "agents/a", "p.md", "agents/a/prompt.md"),
        ({"agents/a/p.md": "../../shared/prompt.md"}, "agents/a", "p.md", "shared/prompt.md"),
        ({"agents/a/sh": "../../shared"}, "agents/a", "sh/deep/tool.yaml", "shared/deep/tool.yaml"),
        (
            {
                "agents/a/p.md": "q.md",
                "agents/a/q.md": "../b/r.md",
                "agents/b/r.md": "../../shared/prompt.md",
            },
            "agents/a",
            "p.md",
            "shared/prompt.md",
        ),
        (
            {"agents/a/sh": "../../shared", "shared/deep/l": "../prompt.md"},
            "agents/a",
            "sh/deep/l",
            "shared/prompt.md",
        ),
    ],
)
def test_resolve_path_follows_links_inside_the_project(
    links: dict[str, str], base: str, ref: str, path: str
) -> None:
    tree = MemoryTree(FILES, links)
    assert resolve_path(tree, base=base, ref=ref, where=WHERE) == path


PREFIX = "agents/a/agent.yaml: instructions.file: "


@pytest.mark.parametrize(
    ("links", "ref", "message"),
    [
        (
            {},
            "../../../x.md",
            "'../../../x.md' leaves the project folder (the folder holding agentcd.yaml)",
        ),
        ({}, "../../..", "'../../..' leaves the project folder (the folder holding agentcd.yaml)"),
        (
            {},
            "/etc/passwd",
            "'/etc/passwd' is an absolute path; use a path relative to the definition's folder",
        ),
        (
            {},
            "\\\\server\\share",
            "'\\\\\\\\server\\\\share' is an absolute path; use a path relative to the "
            "definition's folder",
        ),
        (
            {},
            "C:/x.md",
            "'C:/x.md' is an absolute path; use a path relative to the definition's folder",
        ),
        (
            {"agents/a/p.md": "/etc/passwd"},
            "p.md",
            "'p.md' goes through the symlink agents/a/p.md -> /etc/passwd, an absolute path; "
            "make the link relative and inside the project folder",
        ),
        (
            {"agents/a/p.md": "../../../outside.md"},
            "p.md",
            "'p.md' leads outside the project folder through the symlink agents/a/p.md -> "
            "../../../outside.md",
        ),
        (
            {"agents/a/p.md": "q.md", "agents/a/q.md": "../../../outside.md"},
            "p.md",
            "'p.md' leads outside the project folder through the symlink agents/a/q.md -> "
            "../../../outside.md",
        ),
        (
            {"agents/a/dir": "../../.."},
            "dir/x.md",
            "'dir/x.md' leads outside the project folder through the symlink agents/a/dir -> "
            "../../..",
        ),
        (
            {"shared": "../elsewhere"},
            "../../shared/prompt.md",
            "'../../shared/prompt.md' leads outside the project folder through the symlink "
            "shared -> ../elsewhere",
        ),
        (
            {"agents/a/p.md": "q.md", "agents/a/q.md": "p.md"},
            "p.md",
            "'p.md': too many levels of symbolic links (a loop?)",
        ),
    ],
)
def test_resolve_path_refuses_escapes(links: dict[str, str], ref: str, message: str) -> None:
    tree = MemoryTree(FILES, links)
    with pytest.raises(DefinitionError) as e:
        resolve_path(tree, base="agents/a", ref=ref, where=WHERE)
    assert str(e.value) == PREFIX + message
    assert (e.value.path, e.value.field) == WHERE


def test_read_file_returns_bytes_up_to_the_cap() -> None:
    tree = MemoryTree({"a.md": b"x" * MAX_FILE_BYTES})
    assert len(read_file(tree, "a.md", where=WHERE)) == MAX_FILE_BYTES


@pytest.mark.parametrize(
    ("files", "path", "message"),
    [
        (
            {"a.md": b"x" * (MAX_FILE_BYTES + 1)},
            "a.md",
            f"'a.md' is {MAX_FILE_BYTES + 1} bytes, over the limit of {MAX_FILE_BYTES} bytes "
            "per file",
        ),
        ({"a.md": "x"}, "b.md", "'b.md' does not exist in the working tree"),
        ({"d/a.md": "x"}, "d", "'d' is a folder, expected a file"),
    ],
)
def test_read_file_refuses(files: dict[str, bytes | str], path: str, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        read_file(MemoryTree(files), path, where=WHERE)
    assert str(e.value) == PREFIX + message


def test_read_file_names_the_snapshot() -> None:
    tree = MemoryTree({}, label="revision v1.2")
    with pytest.raises(DefinitionError) as e:
        read_file(tree, "a.md", where=WHERE)
    assert str(e.value).endswith("'a.md' does not exist in the revision v1.2")


GLOB_FILES = {
    "agents/a/agent.yaml": "x",
    "agents/b/agent.yaml": "x",
    "agents/b/evals/agent.yaml": "x",
    "agents/c/notes.md": "x",
    "agent.yaml": "x",
    "teams/x/agents/d/agent.yaml": "x",
}


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        (
            "agents/*/agent.yaml",
            ["agents/a/agent.yaml", "agents/b/agent.yaml", "agents/l/agent.yaml"],
        ),
        (
            "agents/**/agent.yaml",
            [
                "agents/a/agent.yaml",
                "agents/b/agent.yaml",
                "agents/b/evals/agent.yaml",
                "agents/l/agent.yaml",
            ],
        ),
        (
            "**/agent.yaml",
            [
                "agent.yaml",
                "agents/a/agent.yaml",
                "agents/b/agent.yaml",
                "agents/b/evals/agent.yaml",
                "agents/l/agent.yaml",
                "teams/x/agents/d/agent.yaml",
            ],
        ),
        ("agents/a/agent.yaml", ["agents/a/agent.yaml"]),
        (
            "agents/?/agent.yaml",
            ["agents/a/agent.yaml", "agents/b/agent.yaml", "agents/l/agent.yaml"],
        ),
        ("agents/*", ["agents/linked"]),  # links are matched as entries; loading resolves them
        ("agents/*/*.md", ["agents/c/notes.md"]),
        ("bots/*.yaml", []),
        ("agents/linked/agent.yaml", []),  # a symlinked folder is not descended
    ],
)
def test_glob_files(pattern: str, found: list[str]) -> None:
    links = {"agents/l/agent.yaml": "../a/agent.yaml", "agents/linked": "a"}
    assert glob_files(MemoryTree(GLOB_FILES, links), pattern) == found


def test_glob_files_does_not_search_private_folders() -> None:
    files = {**GLOB_FILES, ".agentcd/deployed/agent.yaml": "x", "x/.agentcd/agent.yaml": "x"}
    assert glob_files(MemoryTree(files), "**/agent.yaml") == [
        "agent.yaml",
        "agents/a/agent.yaml",
        "agents/b/agent.yaml",
        "agents/b/evals/agent.yaml",
        "teams/x/agents/d/agent.yaml",
    ]


PRIVATE_FILES = {
    **FILES,
    ".git/config": "[http] extraheader = AUTHORIZATION: basic dG9rZW4=",
    ".git/hooks/next": "x",
    "vendor/lib/.git/config": "x",
    ".agentcd/ledger.db": "x",
    ".agentcd/cache/eval/k.json": "x",
    "secrets/key.md": "x",
    ".env": "x",
}
GIT = "inside .git, git's own files, where the checkout's credentials can be"
STATE = "inside .agentcd, agentcd's own state (ledger, caches, deployed configurations)"
NOT_READ = "; a definition may not read it (reference a file of the project instead)"
IGNORED = (
    ", which git ignores (.gitignore): a commit would not carry it, so the artifact could "
    "not be built again from the repository"
)


@pytest.mark.parametrize(
    ("links", "ref", "message"),
    [
        ({}, "../../.git/config", f"'../../.git/config' leads to '.git/config': {GIT}{NOT_READ}"),
        (
            {"agents/a/p.md": "../../.git/config"},
            "p.md",
            "'p.md' leads to '.git/config' through the symlink agents/a/p.md -> "
            f"../../.git/config: {GIT}{NOT_READ}",
        ),
        (  # a link to the folder, then the file inside it
            {"agents/a/g": "../../.git"},
            "g/config",
            f"'g/config' leads to '.git/config' through the symlink agents/a/g -> ../../.git: "
            f"{GIT}{NOT_READ}",
        ),
        (  # the second hop goes in
            {"agents/a/p.md": "q.md", "agents/a/q.md": "../../.git/config"},
            "p.md",
            "'p.md' leads to '.git/config' through the symlink agents/a/q.md -> "
            f"../../.git/config: {GIT}{NOT_READ}",
        ),
        (  # a hop through .git that would come out again is refused too
            {"agents/a/p.md": "../../.git/hooks/next", ".git/hooks/next": "../../shared/prompt.md"},
            "p.md",
            "'p.md' leads to '.git/hooks/next' through the symlink agents/a/p.md -> "
            f"../../.git/hooks/next: {GIT}{NOT_READ}",
        ),
        (  # at any depth: a vendored repository's own .git
            {},
            "../../vendor/lib/.git/config",
            f"'../../vendor/lib/.git/config' leads to 'vendor/lib/.git/config': {GIT}{NOT_READ}",
        ),
        (  # `..` written into the path
            {},
            "../b/../../.git/config",
            f"'../b/../../.git/config' leads to '.git/config': {GIT}{NOT_READ}",
        ),
        (  # what case-insensitive file systems read as .git
            {},
            "../../.GIT/config",
            f"'../../.GIT/config' leads to '.GIT/config': {GIT}{NOT_READ}",
        ),
        (
            {},
            "../../.git./config",
            f"'../../.git./config' leads to '.git./config': {GIT}{NOT_READ}",
        ),
        (
            {},
            "../../GIT~1/config",
            f"'../../GIT~1/config' leads to 'GIT~1/config': {GIT}{NOT_READ}",
        ),
        (
            {"agents/a/db": "../../.agentcd/ledger.db"},
            "db",
            "'db' leads to '.agentcd/ledger.db' through the symlink agents/a/db -> "
            f"../../.agentcd/ledger.db: {STATE}{NOT_READ}",
        ),
        (
            {},
            "../../.agentcd/cache/eval/k.json",
            f"'../../.agentcd/cache/eval/k.json' leads to '.agentcd/cache/eval/k.json': "
            f"{STATE}{NOT_READ}",
        ),
        ({}, "../../.env", f"'../../.env' leads to '.env'{IGNORED}"),
        ({}, "../../secrets/key.md", f"'../../secrets/key.md' leads to 'secrets/key.md'{IGNORED}"),
        (
            {"agents/a/k.md": "../../secrets/key.md"},
            "k.md",
            "'k.md' leads to 'secrets/key.md' through the symlink agents/a/k.md -> "
            f"../../secrets/key.md{IGNORED}",
        ),
        (  # an ignored link into tracked files: a commit would not hold the link
            {"agents/a/scratch": "../../shared"},
            "scratch/prompt.md",
            f"'scratch/prompt.md' leads to 'agents/a/scratch/prompt.md'{IGNORED}",
        ),
    ],
)
def test_resolve_path_refuses_what_a_commit_would_not_carry(
    links: dict[str, str], ref: str, message: str
) -> None:
    ignored = frozenset({".env", "secrets", "agents/a/scratch"})
    tree = MemoryTree(PRIVATE_FILES, links, ignored=ignored)
    with pytest.raises(DefinitionError) as e:
        resolve_path(tree, base="agents/a", ref=ref, where=WHERE)
    assert str(e.value) == PREFIX + message
    assert (e.value.path, e.value.field) == WHERE


@pytest.mark.parametrize(
    "ref", ["../../.github/x.md", "../../.gitignore", "../../my.git/x.md", "../../.agentcd-notes"]
)
def test_names_like_the_private_folders_are_ordinary(ref: str) -> None:
    assert resolve_path(MemoryTree(FILES), base="agents/a", ref=ref, where=WHERE) == ref[6:]
