#!/usr/bin/env bash
# Lint: clang-format check on tracked C++ files; with --tidy also clang-tidy on files changed
# against origin/main (or HEAD~1), using build/compile_commands.json.
#   tools/lint.sh --format-only    format check (what CI runs)
#   tools/lint.sh --tidy           format check and clang-tidy
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:---format-only}
if ! command -v clang-format >/dev/null; then
  echo "lint: clang-format not installed; skipping the format check" >&2
else
  git ls-files '*.cpp' '*.hpp' | xargs -r clang-format --dry-run -Werror
  echo "lint: format ok"
fi
if [ "$mode" = "--tidy" ]; then
  base=$(git rev-parse -q --verify origin/main || git rev-parse HEAD~1)
  files=$(git diff --name-only "$base" -- '*.cpp' | grep '^lib/' || true)
  [ -n "$files" ] && clang-tidy -p build $files
fi
