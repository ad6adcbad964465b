#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running rlbench needs.
# Idempotent: installs only what is missing, and refreshes the package lists only when they are
# absent or when a package cannot be found.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  # libtorch falls back to reference BLAS (about 18x slower) without an optimised BLAS
  libtorch-dev libopenblas0-openmp
  # mujoco's CMake config points at qhull's headers
  libmujoco-dev libqhull-dev
  libhdf5-dev libcli11-dev nlohmann-json3-dev doctest-dev libnanoflann-dev
  # datasets fetch: HTTP downloads and SHA-256
  libcurl4-openssl-dev libssl-dev
  # .ci/run's format check
  clang-format
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
  $sudo apt-get update -qq
fi
echo "setup: installing ${missing[*]}" >&2
if ! $sudo apt-get install -y -qq "${missing[@]}"; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
