#!/usr/bin/env bash
# Write a Markdown pull-request comment with `specdsl diff` of every .spec file changed between
# BASE and HEAD (used by examples/ci/specdsl-diff.yml; runs anywhere with git and specdsl).
#
# Usage: specdsl-diff-comment.sh BASE [HEAD] > comment.md
# SPECDSL names the command (default: specdsl). Exit 0 even when specs differ; 2 on errors.
set -euo pipefail

SPECDSL=${SPECDSL:-specdsl}
base=${1:?usage: specdsl-diff-comment.sh BASE [HEAD]}
head=${2:-HEAD}
marker="<!-- specdsl-diff -->"

files=()
while IFS= read -r -d '' f; do
  files+=("$f")
done < <(git diff --name-only --diff-filter=AMRD -z "$base...$head" -- '*.spec')

echo "$marker"
if [ ${#files[@]} -eq 0 ]; then
  echo "No model spec changed."
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mergebase=$(git merge-base "$base" "$head")
short_base=$(git rev-parse --short "$mergebase")
short_head=$(git rev-parse --short "$head")
status=0
for f in "${files[@]}"; do
  old=/dev/null
  new=/dev/null
  if git cat-file -e "$mergebase:$f" 2>/dev/null; then
    old="$tmp/old.spec"
    git show "$mergebase:$f" > "$old"
  fi
  if git cat-file -e "$head:$f" 2>/dev/null; then
    new="$tmp/new.spec"
    git show "$head:$f" > "$new"
  fi
  echo
  rc=0
  $SPECDSL diff "$old" "$new" --format markdown --old-label "$f@$short_base" \
    --new-label "$f@$short_head" || rc=$?
  if [ $rc -ge 2 ]; then
    echo "specdsl could not compare \`$f\` (see the job log)."
    status=2
  fi
done
exit $status
