#!/usr/bin/env bash
# One matrix cell's night: run the live experiment against the deployed
# function (the environment deploy.sh exported), measure the run a second
# time from the function's own logs when --log-group names its log group,
# then judge it from night one (docs/aws.md: "The nightly study"). Writes
# into --out: nightly.jsonl (the record log), nightly.summary.json (with the
# predictions), nightly.profile.json (fitted), nightly.summary.report/,
# nightly.logs/ (the night's logs fetched, logs.jsonl, and their summary.json
# and report.md), agree.md (the two measurements side by side) and
# drift.md. Exits 1 on drift, after writing everything; a disagreement of
# the two measurements is written, flagged and shown, and does not fail the
# night.
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
LOG_GROUP=
LOGS_SETTLE=60
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
    --log-group) LOG_GROUP=$2; shift 2 ;;
    --logs-settle) LOGS_SETTLE=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) die "unknown argument: $1 (want --cell, --calls, --out, --history, --baseline, --date, --timeout, --log-group, --logs-settle, -- extra test flags)" ;;
  esac
done
[ -n "$CELL" ] || die "--cell is required"
[ -n "$OUT" ] || die "--out is required"
case "$CALLS" in ''|*[!0-9]*) die "--calls must be a whole number" ;; esac
case "$LOGS_SETTLE" in ''|*[!0-9]*) die "--logs-settle must be a whole number of seconds" ;; esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "== night $DATE, cell $CELL: $CALLS calls"
# The test compares with no baseline of its own (a path that is never
# there): the judgement below takes the baseline, the history or the
# prediction, whichever exists, and says which.
status=0
# The window of the night's logs opens before the test is built: its first
# call comes seconds later.
RUN_START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
go test -tags=integration ./reusetest -run 'TestLiveExperiment$' -v -timeout "$TIMEOUT" \
  -reuse.calls="$CALLS" -reuse.log="$OUT/nightly.jsonl" -reuse.out="$OUT/nightly.summary.json" \
  -reuse.baseline="$OUT/no-baseline.json" ${EXTRA[@]+"${EXTRA[@]}"} || status=$?
if [ ! -f "$OUT/nightly.summary.json" ]; then
  echo "no summary: the run did not get that far"
  [ "$status" != 0 ] || status=1
  exit "$status"
fi

if [ -n "$LOG_GROUP" ]; then
  # Measured twice: the function's own logs of the run, fetched from its
  # log group once they have settled in CloudWatch Logs, beside the probe's
  # records (docs/your-function.md, "Two measurements of one run").
  echo "== the night's logs: $LOG_GROUP, after ${LOGS_SETTLE}s for the last lines to arrive"
  sleep "$LOGS_SETTLE"
  RUN_END=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  rm -rf "$OUT/nightly.logs"
  # The logs' results table to nightly.logs.txt, the fetch's progress to
  # nightly.logs.err.
  if go run ./reusetest/report/cmd/reusereport -cloudwatch-group "$LOG_GROUP" -since "$RUN_START" -until "$RUN_END" \
      -out "$OUT/nightly.logs" >"$OUT/nightly.logs.txt" 2>"$OUT/nightly.logs.err"; then
    cat "$OUT/nightly.logs.txt"
    agree=0
    go run ./reusetest/report/cmd/reusereport -agree "$OUT/nightly.jsonl" -cloudwatch "$OUT/nightly.logs/logs.jsonl" >"$OUT/agree.md" || agree=$?
    cat "$OUT/agree.md"
    case "$agree" in
      0) ;;
      1) echo "the two measurements of the night DISAGREE (agree.md)" ;;
      *) echo "the two measurements could not be set side by side (status $agree)" ;;
    esac
  else
    { echo "The night's logs could not be fetched from $LOG_GROUP:"; echo; echo '```'; tail -n 20 "$OUT/nightly.logs.err"; echo '```'; } >"$OUT/agree.md"
    cat "$OUT/agree.md"
  fi
else
  echo "== no --log-group: the night is measured once, by the probe's records"
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
