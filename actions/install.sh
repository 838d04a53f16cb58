#!/usr/bin/env bash
# Installs agentcd from this checkout (the action's, or the component's) into a private
# virtualenv, with every dependency from the lock (requirements/runtime.txt, hash-checked),
# and puts it on the job's PATH.
#
# A platform's extra (its vendor SDK: `bedrock` boto3, `langgraph` langgraph-sdk, `mlflow`
# mlflow-skinny, `langfuse` langfuse, `foundry` azure-ai-projects) comes too when the project's
# agentcd.yaml (AGENTCD_PROJECT_DIR, default `.`) names a target of that platform: decided from
# the project, not from whether credentials are set up, because the SDK is needed whichever way
# they come (a role assumed with the job's OIDC token, a runner's instance role, keys in the
# environment). The match is on the text, so a comment naming such a target installs it as
# well; an SDK is only ever extra weight. Its pins and hashes are the ones the test suite ran
# with (extra_lock.py, from the dev lock).
#
# An agentcd already on PATH (an earlier agentcd step in this job, or one baked into the runner
# image) is reused only when it was built from this very source: `agentcd --version` prints a
# digest of its code, compared here with this checkout's; and, when extras are wanted, only
# when its Python imports each of their SDKs.
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
declare -A sdk=([bedrock]=boto3 [langgraph]=langgraph_sdk [mlflow]=mlflow [langfuse]=langfuse
  [foundry]=azure.ai.projects)
extras=()
for platform in bedrock langgraph mlflow langfuse foundry; do
  if grep -Eqs "platform[\"']?:[[:space:]]*[\"']?$platform([^A-Za-z0-9_-]|$)" \
    "${AGENTCD_PROJECT_DIR:-.}/agentcd.yaml"; then
    extras+=("$platform")
  fi
done
extra="${extras[*]:-}"

same_source() { [[ "$("$1" --version 2>/dev/null || true)" == *"(source $want)" ]]; }
has_extra() { # $1: an agentcd script; its shebang names the Python it runs with
  local shebang="" platform
  IFS= read -r shebang < "$1" || true
  for platform in "${extras[@]}"; do
    # shellcheck disable=SC2086 # `/usr/bin/env python3` is two words
    ${shebang#\#!} -c "import ${sdk[$platform]}" 2>/dev/null || return 1
  done
}

have="$(command -v agentcd || true)"
if [ -n "$have" ] && same_source "$have" && has_extra "$have"; then
  echo "agentcd already installed from this source ($want${extra:+, with $extra}): $have"
  exit 0
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
if ! same_source "$venv/bin/agentcd"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "${pip[@]}" --require-hashes -r "$root/requirements/runtime.txt"
  "${pip[@]}" --no-deps --no-build-isolation "$root"
fi
if ! has_extra "$venv/bin/agentcd"; then
  lock="$venv/agentcd-extras.txt"
  python3 "$root/actions/extra_lock.py" "$root" "${extras[@]}" > "$lock"
  "${pip[@]}" --require-hashes -r "$lock"
fi
announce "$venv/bin"
echo "agentcd installed from source $want${extra:+ with $extra} in $venv"
