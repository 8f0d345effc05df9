#!/usr/bin/env bash
# One matrix cell's night: run the live experiment against the deployed
# function (the environment deploy.sh exported), then judge it from night
# one (docs/aws.md: "The nightly study"). Writes into --out:
# nightly.jsonl (the record log), nightly.summary.json (with the
# predictions), nightly.profile.json (fitted), nightly.summary.report/ and
# drift.md. Exits 1 on drift, after writing everything.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

CELL=
CALLS=36000
OUT=
HISTORY=
BASELINE=
DATE=$(date -u +%F)
TIMEOUT=2h
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cell) CELL=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --history) HISTORY=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --date) DATE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) die "unknown argument: $1 (want --cell, --calls, --out, --history, --baseline, --date, --timeout, -- extra test flags)" ;;
  esac
done
[ -n "$CELL" ] || die "--cell is required"
[ -n "$OUT" ] || die "--out is required"
case "$CALLS" in ''|*[!0-9]*) die "--calls must be a whole number" ;; esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "== night $DATE, cell $CELL: $CALLS calls"
# The test compares with no baseline of its own (a path that is never
# there): the judgement below takes the baseline, the history or the
# prediction, whichever exists, and says which.
status=0
go test -tags=integration ./reusetest -run 'TestLiveExperiment$' -v -timeout "$TIMEOUT" \
  -reuse.calls="$CALLS" -reuse.log="$OUT/nightly.jsonl" -reuse.out="$OUT/nightly.summary.json" \
  -reuse.baseline="$OUT/no-baseline.json" ${EXTRA[@]+"${EXTRA[@]}"} || status=$?
if [ ! -f "$OUT/nightly.summary.json" ]; then
  echo "no summary: the run did not get that far"
  [ "$status" != 0 ] || status=1
  exit "$status"
fi

echo "== drift"
args=(-drift "$OUT/nightly.summary.json" -config "$CELL" -date "$DATE")
[ -n "$HISTORY" ] && args+=(-history "$HISTORY")
[ -n "$BASELINE" ] && args+=(-baseline "$BASELINE")
drift=0
go run ./reusetest/report/cmd/reusereport "${args[@]}" >"$OUT/drift.md" || drift=$?
cat "$OUT/drift.md"
[ "$status" = 0 ] || exit "$status"
exit "$drift"
