# Shared by deploy.sh and teardown.sh: argument defaults, the aws wrapper
# (which prints instead of calling under --dry-run), and checks.
# shellcheck shell=bash
# The variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034

NAME=lambda-reuse-probe
ARCH=arm64
MEMORY=128
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
DRY_RUN=0
PROVISIONED=0
# TENANCY is PER_TENANT under deploy.sh --tenant-isolation, else empty.
TENANCY=
# ALIAS is the alias deploy.sh --provisioned publishes, and teardown removes.
ALIAS=live
GITHUB_ENV_FILE=
# LOOKUPS=1 makes a dry run look up what exists (read-only calls), so it
# prints the calls a real run would make for it; teardown sets it. Deploy's
# dry run needs no account: its lookups are assumed absent.
LOOKUPS=${LOOKUPS:-0}

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Dry-run lines go to fd 3, the original stdout, so that calls whose output
# the scripts capture or discard are still shown.
exec 3>&1

# aws runs the AWS CLI, or under --dry-run prints the call and makes none.
aws_call() {
  if [ "$DRY_RUN" = 1 ]; then
    { printf 'aws'; printf ' %q' "$@"; printf '\n'; } >&3
    return 0
  fi
  aws "$@"
}

# aws_read runs a read-only call, also under --dry-run when LOOKUPS=1;
# otherwise a dry run prints it and makes none.
aws_read() {
  if [ "$DRY_RUN" = 1 ] && [ "$LOOKUPS" != 1 ]; then
    { printf 'aws'; printf ' %q' "$@"; printf '   # lookup: not made in a dry run\n'; } >&3
    return 0
  fi
  aws "$@"
}

# aws_exists runs a read-only lookup; under --dry-run without LOOKUPS it
# makes no call and answers "does not exist", so the plan shows the create
# path.
aws_exists() {
  if [ "$DRY_RUN" = 1 ] && [ "$LOOKUPS" != 1 ]; then
    { printf 'aws'; printf ' %q' "$@"; printf '   # lookup: assumed absent in a dry run\n'; } >&3
    return 1
  fi
  aws "$@" >/dev/null 2>&1
}

check_aws() {
  [ "$DRY_RUN" = 1 ] && [ "$LOOKUPS" != 1 ] && { [ -n "$REGION" ] || REGION=REGION; return 0; }
  command -v aws >/dev/null 2>&1 || die "the AWS CLI v2 is not installed (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)"
  case "$(aws --version 2>&1)" in
    aws-cli/2.*) ;;
    *) die "the AWS CLI must be version 2, found: $(aws --version 2>&1 | head -n 1)" ;;
  esac
  if [ -z "$REGION" ]; then REGION=$(aws configure get region 2>/dev/null || true); fi
  [ -n "$REGION" ] || die "no region: set AWS_REGION, pass --region, or configure a profile's region"
  export AWS_REGION=$REGION
  ACCOUNT=$(aws sts get-caller-identity --query Account --output text 2>/dev/null) \
    || die "no AWS credentials: configure a profile (AWS_PROFILE), SSO (aws sso login), environment variables or OIDC"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) NAME=${2:?--name needs a value}; shift 2 ;;
      --arch) ARCH=${2:?--arch needs arm64 or amd64}; shift 2 ;;
      --amd64) ARCH=amd64; shift ;;
      --memory) MEMORY=${2:?--memory needs megabytes}; shift 2 ;;
      --region) REGION=${2:?--region needs a value}; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      --provisioned) PROVISIONED=${2:?--provisioned needs a number of environments}; shift 2 ;;
      --tenant-isolation) TENANCY=PER_TENANT; shift ;;
      --github-env) GITHUB_ENV_FILE=${2:?--github-env needs a file}; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
  case "$ARCH" in arm64|amd64) ;; *) die "--arch must be arm64 or amd64, got $ARCH" ;; esac
  case "$MEMORY" in ''|*[!0-9]*) die "--memory must be a whole number of MB, got $MEMORY" ;; esac
  if [ "$MEMORY" -lt 128 ] || [ "$MEMORY" -gt 10240 ]; then die "--memory must be 128 to 10240 MB, got $MEMORY"; fi
  case "$PROVISIONED" in ''|*[!0-9]*) die "--provisioned must be a whole number of environments, got $PROVISIONED" ;; esac
  if [ -n "$TENANCY" ] && [ "$PROVISIONED" -gt 0 ]; then
    die "--tenant-isolation and --provisioned together: a function in tenant isolation mode cannot have provisioned concurrency (docs/sources.md [S13])"
  fi
  ROLE=$NAME-role
  LOG_GROUP=/aws/lambda/$NAME
}

# LOG_RETENTION_DAYS keeps a run's CloudWatch logs for a week: long enough
# to look into last night's run, short enough that nightly runs do not pile
# up logs (the run's records and summary are the project's own record).
LOG_RETENTION_DAYS=7
