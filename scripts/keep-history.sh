#!/usr/bin/env bash
# Keep nights in the history: commit each cell's summary and fitted profile
# to the data branch (never the branch checked out in --repo), as
# history/CELL/DATE.summary.json and .profile.json, rebuild the trend
# report (trend/) from the whole history, and push. The branch is created,
# empty of everything else, on the first night.
#   scripts/keep-history.sh --repo . --branch lambda-reuse-data --date 2026-11-27 CELLS_DIR
# CELLS_DIR holds a folder per cell with its night.sh output.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

REPO=.
BRANCH=lambda-reuse-data
DATE=$(date -u +%F)
PUSH=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) REPO=$2; shift 2 ;;
    --branch) BRANCH=$2; shift 2 ;;
    --date) DATE=$2; shift 2 ;;
    --no-push) PUSH=0; shift ;;
    -*) die "unknown argument: $1 (want --repo, --branch, --date, --no-push, then the cells' folder)" ;;
    *) break ;;
  esac
done
[ $# = 1 ] || die "want one cells folder"
CELLS=$(cd "$1" && pwd)
[[ "$DATE" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "--date must be YYYY-MM-DD, got $DATE"

WORK=$(mktemp -d)
trap 'git -C "$REPO" worktree remove --force "$WORK/data" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
if git -C "$REPO" fetch -q origin "$BRANCH" 2>/dev/null; then
  git -C "$REPO" worktree add -q --detach "$WORK/data" FETCH_HEAD
  git -C "$WORK/data" checkout -q -B "$BRANCH"
else
  echo "== the data branch $BRANCH does not exist yet: starting it"
  git -C "$REPO" worktree add -q --detach "$WORK/data"
  git -C "$WORK/data" checkout -q --orphan "$BRANCH"
  git -C "$WORK/data" rm -rq --cached . >/dev/null 2>&1 || true
  find "$WORK/data" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
fi
DATA=$WORK/data

kept=0
for dir in "$CELLS"/*/; do
  cell=$(basename "$dir")
  [ -f "$dir/nightly.summary.json" ] || { echo "cell $cell: no summary (its run failed early): nothing kept"; continue; }
  mkdir -p "$DATA/history/$cell"
  cp "$dir/nightly.summary.json" "$DATA/history/$cell/$DATE.summary.json"
  [ -f "$dir/nightly.profile.json" ] && cp "$dir/nightly.profile.json" "$DATA/history/$cell/$DATE.profile.json"
  kept=$((kept + 1))
done
[ "$kept" -gt 0 ] || die "no cell had a summary: nothing to keep"

echo "== trend of the whole history"
rm -rf "$DATA/trend"
(cd "$ROOT" && go run ./reusetest/report/cmd/reusereport -trend "$DATA/history" -out "$DATA/trend") >"$WORK/trend-summary.md"
cp "$WORK/trend-summary.md" "$CELLS/trend-summary.md"

git -C "$DATA" add -A history trend
git -C "$DATA" -c user.name="lambda-reuse nightly" -c user.email="lambda-reuse-nightly@users.noreply.github.com" \
  commit -q -m "night $DATE: $kept cell(s)"
echo "kept $kept cell(s) for $DATE on $BRANCH"
if [ "$PUSH" = 1 ]; then
  git -C "$DATA" push -q origin "$BRANCH"
  echo "pushed $BRANCH"
fi
