#!/usr/bin/env bash
# Checks that every LibTorch-using source compiles against LibTorch 2.x headers (Debian trixie's
# libtorch-dev 2.6), syntax only, without touching the installed 1.13. Needs network access to a
# Debian mirror; leaves everything in a temporary folder.
#   tools/check_libtorch2.sh [--cuda]
# --cuda also compiles the CUDA-only code (RLBENCH_CUDA_GRAPHS) against CUDA 12.4's headers
# from trixie's non-free nvidia-cuda-dev, a 930 MB download: the check for a machine with no GPU.
set -euo pipefail
cuda=0
[ "${1:-}" = "--cuda" ] && cuda=1
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/debs"
echo "deb http://deb.debian.org/debian trixie main non-free" >"$work/sources.list"
o=(-oDir::Etc::SourceList="$work/sources.list" -oDir::Etc::SourceParts=/dev/null
   -oDir::State::Lists="$work/lists")
apt-get "${o[@]}" update -qq
(cd "$work/debs" && apt-get "${o[@]}" download libtorch-dev 2>/dev/null)
dpkg -x "$work"/debs/libtorch-dev_*.deb "$work/root"
inc=$work/root/usr/include
version=$(grep -A1 '#define TORCH_VERSION ' "$inc/torch/csrc/api/include/torch/version.h" | tail -1)
echo "checking against LibTorch $version headers"
fail=0
for f in $(grep -l torch lib/rlbench/{nets,algos,train,eval,io,cli}/*.cpp tests/*/*.cpp); do
  if ! g++ -std=c++17 -fsyntax-only -D_GLIBCXX_USE_CXX11_ABI=1 -DRLBENCH_SOURCE_DIR='"."' \
      -DRLBENCH_BINARY='"rlbench"' -I"$inc" -I"$inc/torch/csrc/api/include" -Ilib -Itests \
      -isystem /usr/include/hdf5/serial "$f"; then
    echo "FAILED: $f"
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "all LibTorch sources compile against LibTorch 2.x headers"
if [ $cuda -eq 1 ]; then
  (cd "$work/debs" && apt-get "${o[@]}" download nvidia-cuda-dev 2>/dev/null)
  dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-dev_*.deb \
    | tar -x -C "$work/root" --wildcards '*include*'
  # generated when LibTorch is built with CUDA; Debian's CPU build does not ship it
  mkdir -p "$work/extra/c10/cuda/impl"
  echo '#define C10_CUDA_BUILD_SHARED_LIBS' >"$work/extra/c10/cuda/impl/cuda_cmake_macros.h"
  for f in $(grep -l RLBENCH_CUDA_GRAPHS lib/rlbench/*/*.cpp) tests/algos/test_cuda.cpp; do
    if ! g++ -std=c++17 -fsyntax-only -DRLBENCH_CUDA_GRAPHS=1 -D_GLIBCXX_USE_CXX11_ABI=1 \
        -DRLBENCH_SOURCE_DIR='"."' -DRLBENCH_BINARY='"rlbench"' -I"$work/extra" -isystem "$inc" \
        -isystem "$inc/torch/csrc/api/include" -Ilib -Itests -isystem /usr/include/hdf5/serial \
        -Wall -Wextra -Wshadow "$f"; then
      echo "FAILED (CUDA): $f"
      fail=1
    fi
  done
  [ $fail -eq 0 ] && echo "the CUDA-only sources compile against LibTorch 2.x and CUDA headers"
fi
exit $fail
