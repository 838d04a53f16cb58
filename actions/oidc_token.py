"""The job's GitHub OIDC token for one audience, masked in the log and written to a private
file: what the cloud scripts (aws-oidc.sh, azure-oidc.sh) hand to their SDK's web-identity
credential. The token itself is never printed but in the `::add-mask::` command.

Usage: oidc_token.py AUDIENCE FILE TITLE (TITLE heads the `::error` annotation). Reads
ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, which GitHub sets in a job
with `id-token: write` (docs.github.com/actions/reference/security/oidc).
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def request_token(audience: str, title: str) -> str:
    if not (
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
        and os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    ):
        why = "this job cannot request an OIDC token: grant it 'id-token: write'"
        print(f"::error title={title}::{why}")
        sys.exit(1)
    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]  # carries ?api-version= already
    url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"audience": audience})
    bearer = "bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    request = urllib.request.Request(url, headers={"Authorization": bearer})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return str(json.load(reply)["value"])
    except (urllib.error.URLError, ValueError, KeyError) as error:
        print(f"::error title={title}::requesting the job's OIDC token: {error}")
        sys.exit(1)


def write_private(path: str, token: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # in case an earlier step left it with another mode
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token)


def main(audience: str, path: str, title: str) -> None:
    token = request_token(audience, title)
    # Minted for this job, so the runner does not know to mask it; GitHub's toolkit masks it too.
    print(f"::add-mask::{token}", flush=True)
    write_private(path, token)


if __name__ == "__main__":
    main(*sys.argv[1:4])
