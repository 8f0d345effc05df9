#!/usr/bin/env bash
# Build the probe as a Lambda function for the provided.al2023 runtime:
# a static binary named bootstrap, zipped for upload.
#
#   scripts/build-probe.sh [arm64|amd64] [OUT_DIR]     (default: arm64 build/)
set -euo pipefail
arch=${1:-arm64}
out=${2:-build}
case "$arch" in
  arm64|amd64) ;;
  *) echo "build-probe: unknown architecture '$arch' (use arm64 or amd64)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
mkdir -p "$out/$arch"
GOOS=linux GOARCH="$arch" CGO_ENABLED=0 \
  go build -trimpath -tags lambda.norpc -o "$out/$arch/bootstrap" ./probe/cmd/bootstrap
if command -v zip >/dev/null 2>&1; then
  (cd "$out/$arch" && rm -f probe.zip && zip -q probe.zip bootstrap)
  echo "built $out/$arch/bootstrap and $out/$arch/probe.zip"
else
  echo "built $out/$arch/bootstrap (install zip to package it)"
fi
