#!/usr/bin/env bash
# Remove everything scripts/deploy.sh created: the alias "live" with its
# provisioned concurrency and Function URL (deploy.sh --provisioned), the
# Function URL, the function (its versions with it), its log group, and the
# execution role with its policy attachment. Missing pieces are skipped, so it cleans up after a deploy or
# a run that failed half-way too.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh

usage() {
  cat <<USAGE
usage: scripts/teardown.sh [--name NAME] [--region REGION] [--dry-run]
  --name     function name given to deploy.sh (default lambda-reuse-probe)
  --region   AWS region (default AWS_REGION, else the profile's region)
  --dry-run  look up what exists (read-only calls) and print the delete
             calls a real run would make for it, making none
USAGE
}

LOOKUPS=1
parse_args "$@"
check_aws

if aws_exists lambda get-alias --function-name "$NAME" --name "$ALIAS"; then
  if aws_exists lambda get-provisioned-concurrency-config --function-name "$NAME" --qualifier "$ALIAS"; then
    aws_call lambda delete-provisioned-concurrency-config --function-name "$NAME" --qualifier "$ALIAS"
  fi
  if aws_exists lambda get-function-url-config --function-name "$NAME" --qualifier "$ALIAS"; then
    aws_call lambda delete-function-url-config --function-name "$NAME" --qualifier "$ALIAS"
  fi
  aws_call lambda delete-alias --function-name "$NAME" --name "$ALIAS"
fi
if aws_exists lambda get-function-url-config --function-name "$NAME"; then
  aws_call lambda delete-function-url-config --function-name "$NAME"
fi
if aws_exists lambda get-function --function-name "$NAME"; then
  aws_call lambda delete-function --function-name "$NAME"
fi
if [ "$(aws_read logs describe-log-groups --log-group-name-prefix "$LOG_GROUP" \
      --query "logGroups[?logGroupName=='$LOG_GROUP'] | length(@)" --output text)" = 1 ]; then
  aws_call logs delete-log-group --log-group-name "$LOG_GROUP"
fi
if aws_exists iam get-role --role-name "$ROLE"; then
  if [ "$(aws_read iam list-attached-role-policies --role-name "$ROLE" \
        --query "AttachedPolicies[?PolicyName=='AWSLambdaBasicExecutionRole'] | length(@)" --output text)" = 1 ]; then
    aws_call iam detach-role-policy --role-name "$ROLE" \
      --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  fi
  aws_call iam delete-role --role-name "$ROLE"
fi
if [ "$DRY_RUN" = 1 ]; then echo "dry run: nothing was removed; a real run would make the calls above in $REGION"; else echo "removed $NAME (its alias $ALIAS and provisioned concurrency, if any), its URL, its log group $LOG_GROUP and $ROLE (whatever of them existed) in $REGION"; fi
