#!/usr/bin/env bash
# Remove everything scripts/deploy.sh created: the Function URL, the
# function, and the execution role. Missing pieces are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh

usage() {
  cat <<USAGE
usage: scripts/teardown.sh [--name NAME] [--region REGION] [--dry-run]
  --name     function name given to deploy.sh (default lambda-reuse-probe)
  --region   AWS region (default AWS_REGION, else the profile's region)
  --dry-run  print the AWS calls without making any
USAGE
}

parse_args "$@"
check_aws

if aws_exists lambda get-function-url-config --function-name "$NAME"; then
  aws_call lambda delete-function-url-config --function-name "$NAME"
fi
if aws_exists lambda get-function --function-name "$NAME"; then
  aws_call lambda delete-function --function-name "$NAME"
fi
if aws_exists iam get-role --role-name "$ROLE"; then
  aws_call iam detach-role-policy --role-name "$ROLE" \
    --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  aws_call iam delete-role --role-name "$ROLE"
fi
if [ "$DRY_RUN" = 1 ]; then echo "dry run: nothing was removed"; else echo "removed $NAME and $ROLE (whatever of them existed) in $REGION"; fi
