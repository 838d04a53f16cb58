#!/usr/bin/env bash
# Installs agentcd from this checkout (the action's, or the component's) into a private
# virtualenv, with every dependency from the lock (requirements/runtime.txt, hash-checked),
# and puts it on the job's PATH.
#
# An agentcd already on PATH (an earlier agentcd step in this job, or one baked into the runner
# image) is reused only when it was built from this very source: `agentcd --version` prints a
# digest of its code, compared here with this checkout's.
#
# GitHub Actions: the venv goes under $RUNNER_TEMP and its bin is added to $GITHUB_PATH.
# Elsewhere (GitLab CI): set AGENTCD_VENV, and put $AGENTCD_VENV/bin on PATH after.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${AGENTCD_VENV:-}" ]; then
  venv="$AGENTCD_VENV"
else
  venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this inside a GitHub Actions job, or set AGENTCD_VENV}/agentcd-venv"
fi
announce() { # the bin folder to put on PATH
  if [ -n "${GITHUB_PATH:-}" ] && [ -z "${AGENTCD_VENV:-}" ]; then echo "$1" >> "$GITHUB_PATH"; fi
}

# Python 3.11 is the oldest version agentcd supports; source.py needs the standard library only.
want="$(PYTHONPATH="$root/src" python3 -m agentcd.code_digest "$root/src/agentcd")"
want="${want#sha256:}"
want="${want:0:12}"
have="$(agentcd --version 2>/dev/null || true)"

if [[ "$have" == *"(source $want)" ]]; then
  echo "agentcd already installed from this source ($want): $(command -v agentcd)"
  exit 0
fi
if [[ "$("$venv/bin/agentcd" --version 2>/dev/null || true)" != *"(source $want)" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
  "${pip[@]}" --require-hashes -r "$root/requirements/runtime.txt"
  "${pip[@]}" --no-deps --no-build-isolation "$root"
fi
announce "$venv/bin"
echo "agentcd installed from source $want in $venv"
