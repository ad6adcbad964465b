#!/usr/bin/env bash
# Usage: expect.sh CODE REGEX -- COMMAND [ARGS...]
# Runs COMMAND in a fresh scratch directory and passes when it exits with CODE and its combined
# stdout+stderr matches the extended regex REGEX.
set -u
code=$1; regex=$2; shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out=$(cd "$scratch" && "$@" 2>&1)
rc=$?
if [ "$rc" -ne "$code" ]; then
  printf 'expected exit code %s, got %s\n--- output ---\n%s\n' "$code" "$rc" "$out"
  exit 1
fi
if ! printf '%s' "$out" | tr '\n' ' ' | grep -Eq -- "$regex"; then
  printf 'output does not match /%s/\n--- output ---\n%s\n' "$regex" "$out"
  exit 1
fi
if [ -e "$scratch/MUJOCO_LOG.TXT" ]; then
  echo "MUJOCO_LOG.TXT was written"; exit 1
fi
exit 0
