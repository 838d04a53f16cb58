#!/usr/bin/env bash
# Installs agentcd from this action's own checkout into a private virtualenv under
# $RUNNER_TEMP and puts it on the job's PATH. An agentcd of the same version already on
# PATH (an earlier agentcd step in this job, or one baked into the runner image) is reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this inside a GitHub Actions job}/agentcd-venv"

# tomllib needs Python 3.11, the oldest version agentcd supports.
want="$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$root/pyproject.toml")"
have="$(agentcd --version 2>/dev/null || true)"

if [ "$have" = "agentcd, version $want" ]; then
  echo "agentcd $want already installed: $(command -v agentcd)"
  exit 0
fi
if [ ! -x "$venv/bin/agentcd" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root"
fi
echo "$venv/bin" >> "$GITHUB_PATH"
echo "agentcd $want installed in $venv"
