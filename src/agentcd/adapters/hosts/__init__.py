"""Code hosts (GitHub, GitLab): sticky comments, approvals and deployment mirrors.

`connect` picks the host a CI job can reach; its client library loads only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcd.adapters.environ import CiContext
from agentcd.adapters.environ import Host as CiHost

if TYPE_CHECKING:
    from agentcd.adapters.hosts.protocol import Host


def connect(ci: CiContext) -> Host | None:
    """The host of this CI job, or None where there is none to reach (no CI, no token)."""
    if ci.host is CiHost.GITHUB and ci.repository and ci.token:
        from agentcd.adapters.hosts.github import GitHubHost

        return GitHubHost.from_context(ci)
    if ci.host is CiHost.GITLAB and ci.repository and (ci.token or ci.job_token):
        from agentcd.adapters.hosts.gitlab import GitLabHost

        return GitLabHost.from_context(ci)
    return None
