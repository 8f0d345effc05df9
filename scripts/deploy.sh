#!/usr/bin/env bash
# Deploy the probe to AWS Lambda, idempotently: build bootstrap, zip it,
# create or update the execution role, the function (provided.al2023) and a
# Function URL with AWS_IAM auth, then print what the integration test needs.
# With --provisioned N it also publishes a version, points the alias "live"
# at it with N environments of provisioned concurrency, and gives the URL
# of the alias, so that calls use them. With --tenant-isolation it creates
# the function in tenant isolation mode (each call carries a tenant id, each
# environment serves one tenant), which has no Function URL: calls go
# through the Invoke API. The mode is set when a function is created and
# cannot change; deploying over a function of the other mode is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh

usage() {
  cat <<USAGE
usage: scripts/deploy.sh [--name NAME] [--arch arm64|amd64 | --amd64] [--memory MB]
                         [--region REGION] [--provisioned N | --tenant-isolation]
                         [--dry-run] [--github-env FILE]
  --name        function name (default lambda-reuse-probe; the role is NAME-role)
  --arch        architecture (default arm64); --amd64 is short for --arch amd64
  --memory      memory size in MB (default 128)
  --region      AWS region (default AWS_REGION, else the profile's region)
  --provisioned N environments of provisioned concurrency on the alias "live"
                (a published version; default 0: none, no version, no alias);
                billed while it exists, whether called or not: teardown removes it
  --tenant-isolation  create the function in tenant isolation mode (PER_TENANT):
                calls through the Invoke API only (no Function URL), each with a
                tenant id (run with -reuse.tenants=N); set at creation, never changed
  --dry-run     print the AWS calls without making any
  --github-env  also append the exports to FILE (\$GITHUB_ENV in a workflow)
USAGE
}

parse_args "$@"
check_aws
if [ "$PROVISIONED" -gt 0 ] && [ "$DRY_RUN" != 1 ]; then
  # Before any change: more than the account's concurrency is refused.
  LIMIT=$(aws lambda get-account-settings --query AccountLimit.ConcurrentExecutions --output text)
  [ "$PROVISIONED" -le "$LIMIT" ] || die "--provisioned $PROVISIONED is above the account's concurrency limit in $REGION ($LIMIT): nothing was changed"
fi
# The tenancy of an existing function cannot change: refuse before any
# change. (A field the CLI or the account does not know reads as None.)
FUNCTION_EXISTS=0
aws_exists lambda get-function --function-name "$NAME" && FUNCTION_EXISTS=1
if [ "$FUNCTION_EXISTS" = 1 ]; then
  MODE=$(aws lambda get-function-configuration --function-name "$NAME" --query TenancyConfig.TenantIsolationMode --output text 2>/dev/null || true)
  case "$MODE" in None|'') MODE= ;; esac
  if [ "$MODE" != "$TENANCY" ]; then
    if [ -n "$TENANCY" ]; then
      die "function $NAME exists without tenant isolation, and the mode is set only when a function is created: deploy under another --name, or remove it first (scripts/teardown.sh --name $NAME); nothing was changed"
    fi
    die "function $NAME exists in tenant isolation mode ($MODE), and the mode cannot be changed: pass --tenant-isolation, or deploy under another --name; nothing was changed"
  fi
elif [ -n "$TENANCY" ] && [ "$DRY_RUN" != 1 ]; then
  # Creating one needs a CLI that knows TenancyConfig (late 2025 on); the
  # skeleton lists what the CLI knows, without any call.
  aws lambda create-function --generate-cli-skeleton input 2>/dev/null | grep -q '"TenancyConfig"' \
    || die "the AWS CLI ($(aws --version 2>&1 | cut -d' ' -f1)) does not know --tenancy-config: tenant isolation needs a CLI v2 from late 2025 or later (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html); nothing was changed"
fi
LAMBDA_ARCH=$ARCH
[ "$ARCH" = amd64 ] && LAMBDA_ARCH=x86_64

echo "== build bootstrap ($ARCH)"
# Into build/ARCH of the repository, or LAMBDA_REUSE_BUILD/ARCH (deploys
# running side by side, as the script tests do, each build in a folder of
# their own).
OUT=${LAMBDA_REUSE_BUILD:-build}/$ARCH
mkdir -p "$OUT"
GOOS=linux GOARCH=$ARCH CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -o "$OUT/bootstrap" ./probe/cmd/bootstrap
command -v zip >/dev/null 2>&1 || die "zip is not installed"
(cd "$OUT" && rm -f probe.zip && zip -q probe.zip bootstrap)
ZIP=fileb://$OUT/probe.zip

echo "== execution role $ROLE"
ROLE_ARN=arn:aws:iam::${ACCOUNT:-ACCOUNT_ID}:role/$ROLE
if ! aws_exists iam get-role --role-name "$ROLE"; then
  aws_call iam create-role --role-name "$ROLE" \
    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
  aws_call iam attach-role-policy --role-name "$ROLE" \
    --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  aws_call iam wait role-exists --role-name "$ROLE"
  # A new role takes a moment before Lambda may assume it (the tests,
  # against an emulator, set LAMBDA_REUSE_ROLE_SETTLE=0).
  [ "$DRY_RUN" = 1 ] || sleep "${LAMBDA_REUSE_ROLE_SETTLE:-10}"
fi

echo "== function $NAME ($LAMBDA_ARCH, $MEMORY MB)"
if [ "$FUNCTION_EXISTS" = 1 ]; then
  aws_call lambda update-function-code --function-name "$NAME" --zip-file "$ZIP" --architectures "$LAMBDA_ARCH" >/dev/null
  aws_call lambda wait function-updated-v2 --function-name "$NAME"
  aws_call lambda update-function-configuration --function-name "$NAME" --memory-size "$MEMORY" --timeout 10 >/dev/null
  aws_call lambda wait function-updated-v2 --function-name "$NAME"
else
  TENANCY_ARGS=()
  [ -n "$TENANCY" ] && TENANCY_ARGS=(--tenancy-config "TenantIsolationMode=$TENANCY")
  aws_call lambda create-function --function-name "$NAME" --runtime provided.al2023 --handler bootstrap \
    --architectures "$LAMBDA_ARCH" --memory-size "$MEMORY" --timeout 10 --role "$ROLE_ARN" --zip-file "$ZIP" "${TENANCY_ARGS[@]}" >/dev/null
  aws_call lambda wait function-active-v2 --function-name "$NAME"
fi

echo "== log group $LOG_GROUP (retention $LOG_RETENTION_DAYS days)"
# Created here, not on the first call, so that it has a retention: a seed
# run writes about 1.8 million log lines (START, END, REPORT per call), and
# a group Lambda creates itself keeps them forever. Teardown removes it.
if [ "$(aws_call logs describe-log-groups --log-group-name-prefix "$LOG_GROUP" \
      --query "logGroups[?logGroupName=='$LOG_GROUP'] | length(@)" --output text)" != 1 ]; then
  aws_call logs create-log-group --log-group-name "$LOG_GROUP"
fi
aws_call logs put-retention-policy --log-group-name "$LOG_GROUP" --retention-in-days "$LOG_RETENTION_DAYS"

QUALIFIER=()
FUNCTION=$NAME
if [ "$PROVISIONED" -gt 0 ]; then
  echo "== provisioned concurrency: $PROVISIONED environments on alias $ALIAS"
  VERSION=$(aws_call lambda publish-version --function-name "$NAME" --query Version --output text)
  [ "$DRY_RUN" = 1 ] && VERSION=VERSION
  if aws_exists lambda get-alias --function-name "$NAME" --name "$ALIAS"; then
    aws_call lambda update-alias --function-name "$NAME" --name "$ALIAS" --function-version "$VERSION" >/dev/null
  else
    aws_call lambda create-alias --function-name "$NAME" --name "$ALIAS" --function-version "$VERSION" >/dev/null
  fi
  aws_call lambda put-provisioned-concurrency-config --function-name "$NAME" --qualifier "$ALIAS" \
    --provisioned-concurrent-executions "$PROVISIONED" >/dev/null
  QUALIFIER=(--qualifier "$ALIAS")
  FUNCTION=$NAME:$ALIAS
fi

if [ -n "$TENANCY" ]; then
  # A function in tenant isolation mode has no Function URL ([S13]): the
  # test calls it through the Invoke API, with a tenant id on every call.
  EXPORTS="LAMBDA_REUSE_FUNCTION=$FUNCTION
AWS_REGION=$REGION"
else
  echo "== function URL (AWS_IAM)"
  if aws_exists lambda get-function-url-config --function-name "$NAME" "${QUALIFIER[@]}"; then
    URL=$(aws_call lambda get-function-url-config --function-name "$NAME" "${QUALIFIER[@]}" --query FunctionUrl --output text)
  else
    URL=$(aws_call lambda create-function-url-config --function-name "$NAME" "${QUALIFIER[@]}" --auth-type AWS_IAM --query FunctionUrl --output text)
  fi
  [ "$DRY_RUN" = 1 ] && URL=https://FUNCTION_URL_ID.lambda-url.$REGION.on.aws/
  EXPORTS="LAMBDA_REUSE_URL=$URL
LAMBDA_REUSE_AUTH=iam
AWS_REGION=$REGION"
fi
echo
if [ "$DRY_RUN" = 1 ]; then echo "Dry run: nothing was deployed. A real run would end with:"; else echo "Deployed."; fi
if [ -n "$TENANCY" ]; then
  echo "For the integration test, through the Invoke API, every call with a tenant (give the test -reuse.tenants=N):"
else
  echo "For the integration test (or use LAMBDA_REUSE_FUNCTION=$FUNCTION for the Invoke API):"
fi
while IFS= read -r line; do echo "export $line"; done <<<"$EXPORTS"
if [ -n "$GITHUB_ENV_FILE" ]; then echo "$EXPORTS" >>"$GITHUB_ENV_FILE"; fi
echo
echo "Estimated cost of the default plan (600,000 calls x 500 ms, $MEMORY MB), 2026 list prices"
echo "(docs/sources.md [S10]): about \$0.62 on arm64 or \$0.75 on x86 at 128 MB via the Function URL or Invoke"
echo "(requests \$0.12 + duration); the test prints the exact estimate for its plan. Free tier not counted."
if [ "$PROVISIONED" -gt 0 ]; then
  # Provisioned concurrency is billed for as long as it is configured,
  # called or not, in 5-minute steps, at its own price per GB-second; the
  # calls it serves are billed at a lower duration rate (US East list
  # prices, docs/sources.md [S10]).
  if [ "$ARCH" = amd64 ]; then PC_RATE=0.0000041667 PC_DURATION=0.0000097222; else PC_RATE=0.0000033334 PC_DURATION=0.0000077778; fi
  GBS_HOUR=$((PROVISIONED * MEMORY * 3600 / 1024))
  echo "Provisioned concurrency: $PROVISIONED x $MEMORY MB = $GBS_HOUR GB-seconds for every hour it exists, called or not,"
  awk -v gbs="$GBS_HOUR" -v rate="$PC_RATE" -v dur="$PC_DURATION" -v mem="$MEMORY" -v arch="$ARCH" 'BEGIN {
    hour = gbs * rate
    run = hour * 600000 / 10 / 3600 + 600000 * 0.5 * mem / 1024 * dur + 0.12
    printf "at $%.10f per GB-second (%s, US East): $%.4f an hour. The default plan (16.7 hours, every call\n", rate, arch, hour
    printf "on them at the provisioned duration rate of $%.10f per GB-second, requests $0.12) comes to about $%.2f;\n", dur, run
    printf "calls beyond them are billed at the on-demand rate.\n"
  }'
  echo "Remove it with scripts/teardown.sh when the run ends."
fi
