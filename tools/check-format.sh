#!/bin/sh
# check-format.sh [BASE]: the C lines changed since BASE (default: the merge
# base with origin/main, else the previous commit) follow the repository's
# .clang-format. Prints the needed changes and exits 1 when there are any.
# Fix them with: git clang-format BASE
set -eu
cd "$(dirname "$0")/.."
base=${1:-$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse HEAD~1)}
command -v git-clang-format >/dev/null || { echo "check-format.sh: git-clang-format missing (clang-format package)" >&2; exit 2; }
out=$(git clang-format --diff --extensions c,h "$base" -- simulator harness tools testcases || true)
case "$out" in
"" | "no modified files to format" | "clang-format did not modify any files")
    echo "check-format.sh: changed C lines since $(git rev-parse --short "$base") are formatted"
    exit 0 ;;
esac
printf '%s\n' "$out"
echo "check-format.sh: reformat with: git clang-format $(git rev-parse --short "$base")" >&2
exit 1
