#!/usr/bin/env bash
# Azure credentials for the steps after this one in a GitHub Actions job, from the job's OIDC
# token (workload identity federation): the token goes to a file, and azure-identity's
# WorkloadIdentityCredential (part of DefaultAzureCredential) presents it to Microsoft Entra ID
# as the client assertion of the app registration or user-assigned managed identity whose
# federated credential trusts this job. No client secret is stored anywhere, and no
# third-party action runs with the job's token.
#
# Reads AGENTCD_AZURE_CLIENT_ID and AGENTCD_AZURE_TENANT_ID. The job needs `permissions:
# id-token: write`, which is what makes GitHub set ACTIONS_ID_TOKEN_REQUEST_URL and
# ACTIONS_ID_TOKEN_REQUEST_TOKEN. The token (audience api://AzureADTokenExchange, the one
# Entra expects of a federated credential) is masked in the log, never printed, and written to
# $RUNNER_TEMP/agentcd-azure-federated-token (mode 600); AZURE_FEDERATED_TOKEN_FILE,
# AZURE_CLIENT_ID and AZURE_TENANT_ID go to $GITHUB_ENV.
#
# GitHub's token is valid for five minutes and Entra checks it only when a token is asked
# for, so the actions run this right before their one agentcd command. Entra's access token
# lasts an hour or more; azure-identity asks again near its end with the file's token, by then
# expired, so one command that still calls Azure after that fails; the next step gets a new one.
set -euo pipefail

client="${AGENTCD_AZURE_CLIENT_ID:?AGENTCD_AZURE_CLIENT_ID is not set}"
tenant="${AGENTCD_AZURE_TENANT_ID:-}"
guid='^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
# Both go to $GITHUB_ENV: nothing but two GUIDs may pass.
if ! [[ "$client" =~ $guid ]]; then
  echo "::error title=agentcd Azure::azure-client-id is not a client id (the GUID of an app registration or managed identity)"
  exit 1
fi
if [ -z "$tenant" ]; then
  echo "::error title=agentcd Azure::azure-client-id needs azure-tenant-id (the GUID of its Microsoft Entra tenant)"
  exit 1
fi
if ! [[ "$tenant" =~ $guid ]]; then
  echo "::error title=agentcd Azure::azure-tenant-id is not a tenant id (the GUID of a Microsoft Entra tenant)"
  exit 1
fi

file="${RUNNER_TEMP:?RUNNER_TEMP is not set}/agentcd-azure-federated-token"
python3 "$(dirname "$0")/oidc_token.py" api://AzureADTokenExchange "$file" "agentcd Azure"
{
  echo "AZURE_FEDERATED_TOKEN_FILE=$file"
  echo "AZURE_CLIENT_ID=$client"
  echo "AZURE_TENANT_ID=$tenant"
} >> "$GITHUB_ENV"
echo "Azure: client $client of tenant $tenant through the job's OIDC token"
