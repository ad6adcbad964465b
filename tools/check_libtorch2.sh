#!/usr/bin/env bash
# Checks that every LibTorch-using source compiles against LibTorch 2.x headers (Debian trixie's
# libtorch-dev 2.6), syntax only, without touching the installed 1.13. Needs network access to a
# Debian mirror; leaves everything in a temporary folder.
#   tools/check_libtorch2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/debs"
echo "deb http://deb.debian.org/debian trixie main" >"$work/sources.list"
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
exit $fail
