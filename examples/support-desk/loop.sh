#!/usr/bin/env bash
# The whole agentcd loop on this example, in a fresh copy of it under a temporary folder:
# promote through dev, test and prod by digest; hand-edit prod; drift reports it; rollback
# restores it; status, history and audit show the record. Needs git and agentcd on PATH.
set -euo pipefail

# A fresh copy of the example, as a repository of its own.
demo="$(mktemp -d)/support-desk"
cp -R "$(dirname "$0")" "$demo" && cd "$demo" && rm -rf .agentcd
git init -q -b main && git add -A && git commit -q -m "Support desk agents"

# Promote the committed agents through dev, test and prod. test and prod gate on an eval
# verdict for the exact digest with their own thresholds; prod also needs an approver.
agentcd promote --env dev
agentcd eval --env test --record
agentcd promote --env test
agentcd eval --env prod --record
agentcd promote --env prod --approver lee

# A change travels the same road, by digest.
echo "Greet the customer by name when you know it." >> agents/support-triage/instructions.md
git commit -q -am "Greet customers by name"
agentcd promote --env dev --agent support-triage
agentcd eval --env test --agent support-triage --record
agentcd promote --env test --agent support-triage
agentcd eval --env prod --agent support-triage --record
agentcd promote --env prod --agent support-triage --approver lee

# What differs between test and prod right now: nothing in the artifacts, only bindings.
agentcd diff --env test --env prod --agent support-triage

# Someone edits prod by hand; drift reports it (exit 2 with --exit-code).
sed -i.bak 's/Greet the customer by name/Promise a refund/' .agentcd/deployed/prod/support-triage.json
rm .agentcd/deployed/prod/support-triage.json.bak
agentcd drift --env prod --exit-code || echo "drift found (exit $?)"

# Roll prod back to the previous good deployment: prod runs the version it made again (the
# ledger's stored bundle is re-applied only when that version is gone), recorded as a new
# entry. The hand edit is gone and prod is in sync again.
agentcd rollback --env prod --agent support-triage --approver lee
agentcd drift --env prod --exit-code && echo "prod is in sync"
python3 -m app.config support-triage --env prod   # what the application loads

# The record.
agentcd status
agentcd history --env prod
agentcd audit --env prod --format md
echo "The example project is in $demo"
