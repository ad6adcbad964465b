#!/usr/bin/env bash
# Builds rlbench on a GPU machine against the CUDA LibTorch of its PyTorch, then runs the test
# suite and the CUDA checks and benchmarks. The other libraries come from .device/deps.tar.xz
# (tools/gpu/pack_deps.sh). Logs and result files go to $OUT (default /tmp/rlbench-gpu).
#   tools/gpu/check.sh [build] [test] [bench] [train]     (default: all four)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/rlbench-gpu}
mkdir -p "$out"
steps=${*:-build test bench train}
has() { [[ " $steps " == *" $1 "* ]]; }
stamp() { echo "== $(date -u +%T) $*"; }

stamp "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
grep PRETTY_NAME /etc/os-release; ldd --version | head -1; g++ --version | head -1
cmake --version | head -1; nvcc --version | tail -1; nproc
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'

deps=/tmp/rlbench-deps
if [ ! -d $deps/main ]; then
  mkdir -p $deps && tar -C $deps -xJf .device/deps.tar.xz || exit 1
fi
d=$deps/main/usr
arch=x86_64-linux-gnu
libs=$d/lib/$arch:$d/lib/$arch/hdf5/serial:$deps/indirect/usr/lib/$arch:$deps/indirect/lib/$arch
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# LibTorch from PyTorch 2.13+ requires C++20
std=17
if grep -rqs "C++20 or later" "$torch_prefix/../../include/ATen/ATen.h" \
    "$torch_prefix/../../include/torch/csrc/api/include/torch/all.h"; then std=20; fi
build=build-cuda

if has build; then
  stamp "configure (C++$std)"
  cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=$std \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$d" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
    -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
    -DHDF5_C_INCLUDE_DIR=$d/include/hdf5/serial \
    -DHDF5_C_LIBRARY_hdf5=$d/lib/$arch/hdf5/serial/libhdf5.so \
    -DCURL_INCLUDE_DIR=$d/include/$arch -DCURL_LIBRARY=$d/lib/$arch/libcurl.so \
    -DOPENSSL_ROOT_DIR=$d -DOPENSSL_INCLUDE_DIR=$d/include \
    -DCMAKE_CXX_FLAGS="-isystem $d/include/$arch" \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,${libs//:/,-rpath-link,}" \
    >"$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
  grep -i "cuda\|torch" "$out/configure.log" | head -8
  stamp "build"
  cmake --build $build -j "$(nproc)" >"$out/build.log" 2>&1 \
    || { grep -B2 -A12 "error" "$out/build.log" | head -80; exit 1; }
  $build/rlbench --version
fi

if has test; then
  stamp "ctest"
  (cd $build && ctest -j 8 --output-on-failure --timeout 600 >"$out/ctest.log" 2>&1)
  tail -15 "$out/ctest.log"
  stamp "CUDA unit tests"
  $build/tests/rlbench_tests -ts=cuda 2>&1 | tail -15
fi

if has bench; then
  stamp "bench algos --device cuda"
  $build/rlbench bench algos --device cuda --updates 2000 \
    2>&1 | tee "$out/bench_algos_cuda.txt"
fi

if has train; then
  stamp "train --device cuda (PRDC and TD3+BC on a bundled dataset)"
  for algo in td3_bc prdc; do
    $build/rlbench train --algo $algo --dataset hopper-medium-mini \
      --steps 20000 --eval-every 10000 --eval-episodes 5 --device cuda --out /tmp/runs \
      --set train.log_every=5000 2>&1 | tail -4
  done
  find /tmp/runs -name metrics.jsonl -exec tail -1 {} \;
  run=$(ls -d /tmp/runs/*prdc* | head -1)
  $build/rlbench eval --run "$run" --episodes 3 --device cuda 2>&1 | tail -3
fi
stamp "done"
