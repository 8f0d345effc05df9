#!/usr/bin/env bash
# Print the nightly job's matrix as JSON for GitHub Actions' fromJSON: one
# cell per region x architecture x memory size, each named for its values.
#   scripts/matrix.sh --regions eu-west-1,us-east-1 --archs arm64,amd64 --memory 128,1024
set -euo pipefail

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

REGIONS=${AWS_REGION:-}
ARCHS=arm64
MEMORY=128
while [ $# -gt 0 ]; do
  case "$1" in
    --regions) REGIONS=$2; shift 2 ;;
    --archs) ARCHS=$2; shift 2 ;;
    --memory) MEMORY=$2; shift 2 ;;
    *) die "unknown argument: $1 (want --regions, --archs, --memory, comma-separated)" ;;
  esac
done
[ -n "$REGIONS" ] || die "no region: pass --regions or set AWS_REGION"
[ -n "$ARCHS" ] || ARCHS=arm64
[ -n "$MEMORY" ] || MEMORY=128

IFS=, read -r -a regions <<<"$REGIONS"
IFS=, read -r -a archs <<<"$ARCHS"
IFS=, read -r -a sizes <<<"$MEMORY"
cells=()
for r in "${regions[@]}"; do
  [[ "$r" =~ ^[a-z]{2}(-gov)?-[a-z]+-[0-9]$ ]] || die "region $r does not look like an AWS region (e.g. eu-west-1)"
  for a in "${archs[@]}"; do
    case "$a" in arm64|amd64) ;; *) die "architecture $a: want arm64 or amd64" ;; esac
    for m in "${sizes[@]}"; do
      case "$m" in ''|*[!0-9]*) die "memory $m: want megabytes, 128 to 10240" ;; esac
      { [ "$m" -ge 128 ] && [ "$m" -le 10240 ]; } || die "memory $m: want 128 to 10240 MB"
      cells+=("{\"cell\":\"$r-$a-${m}mb\",\"region\":\"$r\",\"arch\":\"$a\",\"memory\":\"$m\"}")
    done
  done
done
[ "${#cells[@]}" -le 256 ] || die "${#cells[@]} cells: GitHub runs at most 256 per matrix"
(IFS=,; printf '{"include":[%s]}\n' "${cells[*]}")
