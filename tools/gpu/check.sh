#!/usr/bin/env bash
# Builds rlbench on a GPU machine against the CUDA LibTorch of its PyTorch, then runs the test
# suite and the CUDA checks and benchmarks. The other libraries come from .device/deps.tar.xz
# (tools/gpu/pack_deps.sh). Logs and result files go to $OUT (default /tmp/rlbench-gpu).
#   tools/gpu/check.sh [build] [test] [bench] [train]     (default: all four)
# BUILD_TARGETS=rlbench builds the binary alone (no tests), a minute faster.
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

fail=0
deps=/tmp/rlbench-deps
if [ ! -d $deps/main ]; then
  rm -rf $deps.part && mkdir -p $deps.part && tar -C $deps.part -xJf .device/deps.tar.xz \
    && mv $deps.part $deps || exit 1
fi
d=$deps/main/usr
arch=x86_64-linux-gnu
# mujoco's exported target names qhull's include folder by its absolute Debian path
sed -i "s|\"/usr/include/libqhull_r|\"$d/include/libqhull_r|g; s|;/usr/include/libqhull_r|;$d/include/libqhull_r|g" $d/lib/$arch/cmake/mujoco/*.cmake
# Run time: only the packed libraries that the machine lacks, so that no library of the
# machine's (its HDF5, libcurl, OpenSSL) meets a packed copy of one of its dependencies.
run_libs=$deps/run
rm -rf $run_libs && mkdir -p $run_libs
system_libs=$(PATH=$PATH:/sbin:/usr/sbin ldconfig -p) || exit 1
for f in $d/lib/$arch/*.so.* $deps/indirect/usr/lib/$arch/*.so.* $deps/indirect/lib/$arch/*.so.*; do
  grep -q "[[:space:]]$(basename "$f") " <<<"$system_libs" || ln -sf "$f" $run_libs/
done
# HDF5: the machine's own if it has one, else the packed one; headers and library named
# explicitly, since a mix of two versions fails HDF5's version check or worse
sys_hdf5=/usr/lib/$arch/hdf5/serial/libhdf5.so
if [ -e $sys_hdf5 ] && [ -e /usr/include/hdf5/serial/hdf5.h ]; then
  hdf5_args=(-DHDF5_C_INCLUDE_DIR=/usr/include/hdf5/serial -DHDF5_C_LIBRARY_hdf5=$sys_hdf5)
else
  ln -sf $d/lib/$arch/hdf5/serial/*.so.* $run_libs/
  hdf5_args=(-DHDF5_C_INCLUDE_DIR=$d/include/hdf5/serial
    -DHDF5_C_LIBRARY_hdf5=$d/lib/$arch/hdf5/serial/libhdf5.so)
fi
echo "packed libraries used at run time: $(ls $run_libs | tr '\n' ' ')"
export LD_LIBRARY_PATH=$run_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
link_dirs=$d/lib/$arch:$deps/indirect/usr/lib/$arch:$deps/indirect/lib/$arch
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
    "${hdf5_args[@]}" \
    -DCURL_INCLUDE_DIR=$d/include/$arch -DCURL_LIBRARY=$d/lib/$arch/libcurl.so \
    -DOPENSSL_INCLUDE_DIR=$d/include -DOPENSSL_CRYPTO_LIBRARY=$d/lib/$arch/libcrypto.so \
    -DOPENSSL_SSL_LIBRARY=$d/lib/$arch/libssl.so \
    -DCMAKE_CXX_FLAGS="-isystem $d/include/$arch" \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,${link_dirs//:/,-rpath-link,}" \
    >"$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
  grep -i "cuda\|torch" "$out/configure.log" | head -8
  stamp "build"
  cmake --build $build -j "$(nproc)" --target ${BUILD_TARGETS:-all} >"$out/build.log" 2>&1 \
    || { grep -B2 -A12 "error" "$out/build.log" | head -80; exit 1; }
  $build/rlbench --version
fi

if has test; then
  stamp "ctest"
  (cd $build && ctest -j 8 --output-on-failure --timeout 600 >"$out/ctest.log" 2>&1) || fail=1
  tail -15 "$out/ctest.log"
  stamp "CUDA unit tests"
  $build/tests/rlbench_tests -ts=cuda >"$out/cuda_tests.log" 2>&1 || fail=1
  tail -15 "$out/cuda_tests.log"
fi

if has bench; then
  stamp "bench algos --device cuda (eager updates)"
  $build/rlbench bench algos --device cuda --updates 2000 --algos "${BENCH_ALGOS:-td3_bc,prdc,a2pr}" \
    >"$out/bench_algos_cuda.txt" 2>&1 || fail=1
  cat "$out/bench_algos_cuda.txt"
fi

if has train; then
  # updates/s as users see them: rlbench train, with and without CUDA graphs
  stamp "train --device cuda"
  # one folder per run: the seed list and train.cuda_graphs are not in the run names
  rm -rf /tmp/runs
  run() {
    local name=$1
    shift
    $build/rlbench train --dataset hopper-medium-mini --env hopper --device cuda \
      --out /tmp/runs/$name --eval-episodes 5 --set train.log_every=5000 "$@" \
      >"$out/train_$name.log" 2>&1 || fail=1
    grep -v "^  " "$out/train_$name.log" | tail -2
  }
  run td3_bc-graphs --algo td3_bc --steps 30000 --eval-every 30000
  run td3_bc-eager --algo td3_bc --steps 30000 --eval-every 30000 --set train.cuda_graphs=false
  run td3_bc-4seeds-graphs --algo td3_bc --seeds 0,1,2,3 --steps 30000 --eval-every 30000
  run prdc --algo prdc --steps 10000 --eval-every 10000
  for f in /tmp/runs/*/*/metrics.jsonl; do
    echo "$(basename "$(dirname "$(dirname "$f")")") $(basename "$(dirname "$f")")" \
      "$(grep -o '"step":[0-9]*,"updates_per_s":[0-9.]*' "$f" | tail -1)"
  done | tee "$out/train_cuda.txt"
  stamp "eval --run on the CPU of a run trained on CUDA"
  $build/rlbench eval --run "$(ls -d /tmp/runs/td3_bc-graphs/* | head -1)" --episodes 2 2>&1 \
    | tail -2
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
fi
stamp "done (exit $fail)"
exit $fail
