"""`adapters.source`: the working tree and a git revision (plumbing only) load identically."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from agentcd.adapters.source import GitTree, WorkTree, head_commit
from agentcd.core.definition.load import Workspace, load_workspace
from agentcd.errors import AgentcdError, DefinitionError, SourceError
from tests.conftest import EXAMPLE, Result, git


def _summary(ws: Workspace) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(a.name, a.path, a.digest, tuple(s.digest for s in a.suites)) for a in ws.agents]


def _commit_all(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def _at(folder: Path, rev: str) -> Workspace:
    with GitTree(folder, rev) as tree:
        return load_workspace(tree)


def test_a_revision_loads_exactly_like_the_working_tree(repo: Path) -> None:
    work = load_workspace(WorkTree(repo, commit=head_commit(repo)))
    head = _at(repo, "HEAD")
    assert _summary(head) == _summary(work)
    assert [a.artifact for a in head.agents] == [a.artifact for a in work.agents]
    assert head.commit == work.commit == git(repo, "rev-parse", "HEAD").strip()
    assert (head.label, work.label) == ("revision HEAD", "working tree")


def test_a_revision_ignores_uncommitted_edits(repo: Path) -> None:
    before = _summary(_at(repo, "HEAD"))
    (repo / "agents/faq-bot/agent.yaml").write_text("kind: [", encoding="utf-8")
    (repo / "agents/support-triage/instructions.md").unlink()
    assert _summary(_at(repo, "HEAD")) == before


def test_an_older_revision_is_read_without_a_checkout(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    before = _summary(_at(repo, "HEAD"))
    path = repo / "agents/support-triage/instructions.md"
    path.write_text(path.read_text(encoding="utf-8") + "Be kind.\n", encoding="utf-8")
    _commit_all(repo)
    assert _summary(_at(repo, first)) == before
    assert _summary(_at(repo, "HEAD~1")) == before
    assert _summary(_at(repo, "HEAD")) != before
    assert _summary(_at(repo, "HEAD")) == _summary(load_workspace(WorkTree(repo)))


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """A repository whose project lives in sub/dir, beside other files."""
    root = tmp_path / "mono"
    shutil.copytree(EXAMPLE, root / "sub" / "dir", ignore=shutil.ignore_patterns(".agentcd"))
    (root / "README.md").write_text("other things\n", encoding="utf-8")
    (root / "agents").mkdir()
    (root / "agents" / "agent.yaml").write_text("not: this one\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    _commit_all(root, "initial")
    return root


def test_a_project_in_a_subfolder(nested: Path) -> None:
    project = nested / "sub" / "dir"
    work = load_workspace(WorkTree(project))
    assert _summary(_at(project, "HEAD")) == _summary(work)
    assert [a.path for a in work.agents] == [
        a.path for a in load_workspace(WorkTree(EXAMPLE)).agents
    ]


def test_a_subfolder_missing_at_that_revision(nested: Path) -> None:
    git(nested, "mv", "sub/dir", "sub/moved")
    _commit_all(nested)
    (nested / "sub" / "dir").mkdir()
    with pytest.raises(AgentcdError) as e:
        _at(nested / "sub" / "dir", "HEAD")
    assert str(e.value) == (
        "agentcd.yaml: not found in the revision HEAD (run in the project's folder or pass -C)"
    )


def _link_layout(repo: Path) -> None:
    """Instructions, a skill folder and a tool spec reached through relative symlinks."""
    triage = repo / "agents" / "support-triage"
    (repo / "shared").mkdir()
    (triage / "instructions.md").rename(repo / "shared" / "triage.md")
    os.symlink("../../shared/triage.md", triage / "instructions.md")
    (triage / "skills" / "escalation").rename(repo / "shared" / "escalation")
    os.symlink("../../../shared/escalation", triage / "skills" / "escalation")
    (triage / "tools" / "orders.yaml").rename(triage / "tools" / "orders-v1.yaml")
    os.symlink("spec.yaml", triage / "tools" / "orders.yaml")
    os.symlink("orders-v1.yaml", triage / "tools" / "spec.yaml")


def test_committed_symlinks_resolve_as_on_disk(repo: Path) -> None:
    before = _summary(load_workspace(WorkTree(repo)))
    _link_layout(repo)
    _commit_all(repo)
    listing = git(repo, "ls-tree", "-r", "HEAD", "agents/support-triage")
    assert "120000 blob" in listing and "\tagents/support-triage/instructions.md" in listing
    with GitTree(repo, "HEAD") as tree:
        assert tree.kind("agents/support-triage/instructions.md") == "link"
        assert tree.link_target("agents/support-triage/skills/escalation") == (
            "../../../shared/escalation"
        )
    assert _summary(load_workspace(WorkTree(repo))) == before
    assert _summary(_at(repo, "HEAD")) == before


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "../../../outside.md",
            "'instructions.md' leads outside the project folder through the symlink "
            "agents/support-triage/instructions.md -> ../../../outside.md",
        ),
        (
            "/etc/hostname",
            "'instructions.md' goes through the symlink agents/support-triage/instructions.md -> "
            "/etc/hostname, an absolute path; make the link relative and inside the project folder",
        ),
    ],
)
def test_committed_symlinks_are_refused_as_on_disk(repo: Path, target: str, message: str) -> None:
    link = repo / "agents" / "support-triage" / "instructions.md"
    link.unlink()
    os.symlink(target, link)
    _commit_all(repo)
    expected = f"agents/support-triage/agent.yaml: instructions.file: {message}"
    for load in (lambda: load_workspace(WorkTree(repo)), lambda: _at(repo, "HEAD")):
        with pytest.raises(AgentcdError) as e:
            load()
        assert str(e.value) == expected


TOKEN = "ghs_" + "0123456789abcdefABCDEFghijklmnopqrst"  # a checkout's token, as actions write it


def _checkout_credentials(repo: Path) -> None:
    """What actions/checkout leaves in `.git/config`: the job's token in an extra header."""
    git(repo, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: bearer {TOKEN}")


def test_a_skill_file_linked_into_git_is_refused_and_the_token_never_shown(
    cli: Callable[..., Result], repo: Path
) -> None:
    _checkout_credentials(repo)
    skill = repo / "agents" / "support-triage" / "skills" / "escalation"
    os.symlink("../../../../.git/config", skill / "config.md")
    done = cli("build", "--agent", "support-triage", "--format", "json", cwd=repo)
    assert done.code == 1
    assert done.err.splitlines()[0] == (
        "error: agents/support-triage/agent.yaml: skills[1]: "
        "'agents/support-triage/skills/escalation/config.md' leads to '.git/config' through "
        "the symlink agents/support-triage/skills/escalation/config.md -> ../../../../.git/config: "
        "inside .git, git's own files, where the checkout's credentials can be; a definition "
        "may not read it (reference a file of the project instead)"
    )
    assert TOKEN not in done.out + done.err


def test_instructions_linked_into_git_are_refused_in_a_revision_too(repo: Path) -> None:
    _checkout_credentials(repo)
    link = repo / "agents" / "support-triage" / "instructions.md"
    link.unlink()
    os.symlink("../../.git/config", link)
    _commit_all(repo)
    expected = (
        "agents/support-triage/agent.yaml: instructions.file: 'instructions.md' leads to "
        "'.git/config' through the symlink agents/support-triage/instructions.md -> "
        "../../.git/config: inside .git, git's own files, where the checkout's credentials "
        "can be; a definition may not read it (reference a file of the project instead)"
    )
    for load in (lambda: load_workspace(WorkTree(repo)), lambda: _at(repo, "HEAD")):
        with pytest.raises(DefinitionError) as e:
            load()
        assert str(e.value) == expected


def test_a_file_git_ignores_is_refused_where_a_definition_names_it(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env\nprivate/\n", encoding="utf-8")
    (repo / ".env").write_text(f"TOKEN={TOKEN}\n", encoding="utf-8")
    triage = repo / "agents" / "support-triage"
    os.symlink("../../.env", triage / "instructions.md.new")
    (triage / "instructions.md.new").replace(triage / "instructions.md")
    with pytest.raises(DefinitionError) as e:
        load_workspace(WorkTree(repo))
    assert str(e.value) == (
        "agents/support-triage/agent.yaml: instructions.file: 'instructions.md' leads to "
        "'.env' through the symlink agents/support-triage/instructions.md -> ../../.env, "
        "which git ignores (.gitignore): a commit would not carry it, so the artifact could "
        "not be built again from the repository"
    )
    (triage / "private").mkdir()
    (triage / "private" / "notes.md").write_text("draft\n", encoding="utf-8")
    (triage / "instructions.md").unlink()
    os.symlink("private/notes.md", triage / "instructions.md")
    with pytest.raises(DefinitionError) as e:
        load_workspace(WorkTree(repo))
    assert "'agents/support-triage/private/notes.md' through the symlink" in str(e.value)
    assert "which git ignores" in str(e.value)


def test_ignored_files_are_read_in_no_revision(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.md\n", encoding="utf-8")  # committed files stay tracked
    assert _summary(load_workspace(WorkTree(repo))) == _summary(_at(repo, "HEAD"))
    with GitTree(repo, "HEAD") as tree:
        assert not tree.ignored("agents/support-triage/instructions.md")


def test_a_shallow_clone_builds_its_head(repo: Path, tmp_path: Path) -> None:
    path = repo / "agents/faq-bot/agent.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("0.3", "0.4"), encoding="utf-8")
    _commit_all(repo)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert _summary(_at(clone, "HEAD")) == _summary(_at(repo, "HEAD"))
    with pytest.raises(SourceError) as e:
        _at(clone, "HEAD~1")
    assert str(e.value) == (
        "reading revision 'HEAD~1': no such commit in this repository "
        "(a shallow or single-branch clone may lack it: fetch it first)"
    )


@pytest.mark.parametrize(
    ("make", "rev", "message"),
    [
        (
            "repo",
            "no-such-branch",
            "reading revision 'no-such-branch': no such commit in this repository "
            "(a shallow or single-branch clone may lack it: fetch it first)",
        ),
        (
            "repo",
            "--output=x.txt",
            "reading revision '--output=x.txt': no such commit in this repository "
            "(a shallow or single-branch clone may lack it: fetch it first)",
        ),
        ("plain", "HEAD", "reading revision 'HEAD': {folder} is not in a git repository"),
        ("missing", "HEAD", "reading revision 'HEAD': {folder} is not a folder"),
    ],
)
def test_revision_errors_are_clear(
    repo: Path, tmp_path: Path, make: str, rev: str, message: str
) -> None:
    folder = {"repo": repo, "plain": tmp_path / "plain", "missing": tmp_path / "missing"}[make]
    if make == "plain":
        folder.mkdir()
    with pytest.raises(SourceError) as e:
        GitTree(folder, rev)
    assert str(e.value) == message.format(folder=folder.resolve())


def test_a_submodule_entry_is_not_read(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{commit},agents/vendored")
    git(repo, "commit", "-q", "-m", "submodule")
    with GitTree(repo, "HEAD") as tree:
        assert tree.kind("agents/vendored") is None
        assert _summary(load_workspace(tree)) == _summary(load_workspace(WorkTree(repo)))


def test_git_tree_reads_exact_bytes(repo: Path) -> None:
    data = b"\x00\x01binary\r\nand CRLF\r\n" * 1000
    (repo / "blob.bin").write_bytes(data)
    (repo / "empty.txt").write_bytes(b"")
    _commit_all(repo)
    with GitTree(repo, "HEAD") as tree:
        assert (tree.kind("blob.bin"), tree.size("blob.bin")) == ("file", len(data))
        assert tree.read("blob.bin") == data
        assert tree.read("empty.txt") == b""
        assert tree.read("agentcd.yaml") == (repo / "agentcd.yaml").read_bytes()
        assert tree.kind("agents") == tree.kind("agents/faq-bot") == "dir"
        assert tree.kind("nothing") is None
        assert sorted(tree.walk("agents/faq-bot")) == [
            "agents/faq-bot/agent.yaml",
            "agents/faq-bot/evals/faq.yaml",
        ]


def test_git_tree_closes_its_reader(repo: Path) -> None:
    with GitTree(repo, "HEAD") as tree:
        tree.read("agentcd.yaml")
        assert tree._cat is not None
        proc = tree._cat._proc
        assert isinstance(proc, subprocess.Popen)
    assert proc.poll() == 0 and tree._cat is None


@pytest.mark.parametrize(
    ("entries", "walked"),
    [
        (["a/x.md", "a/b/y.md"], ["a/b/y.md", "a/x.md"]),
        (["a/x.md", "l -> a"], ["a/x.md", "l"]),  # a symlinked folder is an entry
        (["a/.git/HEAD", "a/x.md"], ["a/x.md"]),
    ],
)
def test_work_tree_walk(tmp_path: Path, entries: list[str], walked: list[str]) -> None:
    for entry in entries:
        name, _, target = entry.partition(" -> ")
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if target:
            os.symlink(target, tmp_path / name)
        else:
            (tmp_path / name).write_text("x", encoding="utf-8")
    tree = WorkTree(tmp_path)
    assert sorted(tree.walk("")) == walked
    assert list(tree.walk("l")) == []  # never descends into a linked folder, even at the top


def test_work_tree_reports_links_as_written(tmp_path: Path) -> None:
    os.symlink(str(tmp_path / "a.md"), tmp_path / "abs.md")
    os.symlink("sub/../a.md", tmp_path / "rel.md")
    tree = WorkTree(tmp_path)
    assert tree.link_target("abs.md") == (tmp_path / "a.md").as_posix()
    assert tree.link_target("rel.md") == "sub/../a.md"
    assert tree.kind("abs.md") == "link"


def test_head_commit(repo: Path, tmp_path: Path) -> None:
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD").strip()
    assert head_commit(tmp_path) is None
    assert head_commit(tmp_path / "missing") is None


def test_files_git_ignores_do_not_change_the_working_tree_digest(cli, repo: Path) -> None:
    before = cli("build", "--agent", "support-triage", "--format", "json", cwd=repo).out
    (repo / ".gitignore").write_text(".DS_Store\nscratch/\n", encoding="utf-8")
    skill = repo / "agents" / "support-triage" / "skills" / "escalation"
    (skill / ".DS_Store").write_bytes(b"\0\1binary editor state")
    (skill / "scratch").mkdir()
    (skill / "scratch" / "notes.md").write_text("draft\n", encoding="utf-8")
    after = cli("build", "--agent", "support-triage", "--format", "json", cwd=repo).out
    assert after == before
    (skill / "examples.md").write_text("A new file the next commit will carry.\n")
    changed = cli("build", "--agent", "support-triage", "--format", "json", cwd=repo).out
    assert changed != before
