# Sourced by the actions right before their agentcd command: the key-based platforms'
# credentials, handed over as AGENTCD_SECRET_<NAME> (the reusable workflows map each secret
# they declare to one), become <NAME> for agentcd, and only when set. A secret the caller did
# not pass arrives as an empty string; exporting that would hide a value the runner already
# has (a self-hosted runner's environment) and make the SDK see an empty key instead of none.
# The staged names are removed either way, so agentcd sees each key under one name.
for agentcd_key in LANGSMITH_API_KEY LANGFUSE_PUBLIC_KEY LANGFUSE_SECRET_KEY \
  MLFLOW_TRACKING_TOKEN MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD; do
  agentcd_staged="AGENTCD_SECRET_$agentcd_key"
  if [ -n "${!agentcd_staged:-}" ]; then export "$agentcd_key=${!agentcd_staged}"; fi
  unset "$agentcd_staged"
done
unset agentcd_key agentcd_staged
