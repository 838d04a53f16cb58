#!/usr/bin/env bash
# AWS credentials for the steps after this one in a GitHub Actions job, from the job's OIDC
# token: the token goes to a file, and botocore's web-identity provider (the standard credential
# chain, AssumeRoleWithWebIdentity) trades it for the role's temporary credentials whenever
# agentcd needs them. No AWS key is stored anywhere, and no third-party action runs with the
# job's token.
#
# Reads AGENTCD_AWS_ROLE_ARN and AGENTCD_AWS_REGION (may be empty). The job needs
# `permissions: id-token: write`, which is what makes GitHub set ACTIONS_ID_TOKEN_REQUEST_URL
# and ACTIONS_ID_TOKEN_REQUEST_TOKEN. The token (audience sts.amazonaws.com) is masked in the
# log, never printed, and written to $RUNNER_TEMP/agentcd-aws-web-identity (mode 600);
# AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME (agentcd, the run and the
# repository, for CloudTrail) and, with a region, AWS_REGION and AWS_DEFAULT_REGION go to
# $GITHUB_ENV.
#
# GitHub's token is valid for five minutes and STS checks it only when credentials are asked
# for, so the actions run this right before their one agentcd command: each command starts with
# a fresh token. The role's credentials last an hour; botocore renews them by reading the file
# again, and by then the token in it has expired, so one command that still calls AWS some 50
# minutes after it started fails (botocore renews 10 to 15 minutes before the end).
set -euo pipefail

role="${AGENTCD_AWS_ROLE_ARN:?AGENTCD_AWS_ROLE_ARN is not set}"
region="${AGENTCD_AWS_REGION:-}"
# Both go to $GITHUB_ENV: nothing but an ARN and a region name may pass.
if ! [[ "$role" =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$ ]]; then
  echo "::error title=agentcd AWS::aws-role-arn is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
  exit 1
fi
if [ -n "$region" ] && ! [[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
  echo "::error title=agentcd AWS::aws-region is not an AWS region name (e.g. us-east-1)"
  exit 1
fi

file="${RUNNER_TEMP:?RUNNER_TEMP is not set}/agentcd-aws-web-identity"
python3 "$(dirname "$0")/oidc_token.py" sts.amazonaws.com "$file" "agentcd AWS"

repository="${GITHUB_REPOSITORY:-}"
session="agentcd-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}-${repository//[^A-Za-z0-9_+=,.@-]/+}"
session="${session:0:64}" # STS's limit
{
  echo "AWS_WEB_IDENTITY_TOKEN_FILE=$file"
  echo "AWS_ROLE_ARN=$role"
  echo "AWS_ROLE_SESSION_NAME=$session"
  if [ -n "$region" ]; then
    echo "AWS_REGION=$region"
    echo "AWS_DEFAULT_REGION=$region"
  fi
} >> "$GITHUB_ENV"
echo "AWS: $role through the job's OIDC token, as session $session"
