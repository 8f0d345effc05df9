#!/usr/bin/env bash
# The job summary of one cell's night, from night.sh's --out folder: the
# probe's report, the night measured twice (the function's own logs beside
# the probe's records, a disagreement flagged at the top of its section,
# and the logs' own results table) and the drift judgement. Markdown, on
# stdout:
#   scripts/night-summary.sh out/night/CELL >> "$GITHUB_STEP_SUMMARY"
set -euo pipefail

[ $# = 1 ] || { echo "$(basename "$0"): want night.sh's --out folder" >&2; exit 1; }
OUT=$1

if [ -f "$OUT/nightly.summary.report/report.md" ]; then
  cat "$OUT/nightly.summary.report/report.md"
else
  echo "No report: the run did not get that far (see the log above)."
fi

if [ -f "$OUT/agree.md" ]; then
  printf "\n## Measured twice: the probe's records and the function's own logs\n\n"
  if grep -q 'DISAGREE' "$OUT/agree.md"; then
    printf '**⚠ The two measurements of this night disagree** in environments or in calls per environment: one of them is wrong.\n\n'
  fi
  cat "$OUT/agree.md"
  if [ -s "$OUT/nightly.logs.txt" ]; then
    printf "\n### The function's own logs of the night (%s)\n\n\`\`\`text\n" "nightly.logs/summary.json"
    cat "$OUT/nightly.logs.txt"
    printf '```\n'
  fi
fi

if [ -f "$OUT/drift.md" ]; then
  printf '\n## Drift\n\n'
  cat "$OUT/drift.md"
fi
