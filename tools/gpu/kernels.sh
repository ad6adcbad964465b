#!/usr/bin/env bash
# Kernel list of TD3+BC updates on the GPU machine, from Nsight Compute: name and duration of
# every kernel in a window of eager updates after the warm-up. Needs a build from check.sh.
#   tools/gpu/kernels.sh [algo] [skip] [count]      (writes $OUT/kernels_ALGO.csv)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/rlbench-gpu}
algo=${1:-td3_bc}
skip=${2:-3000}
count=${3:-600}
export LD_LIBRARY_PATH=/tmp/rlbench-deps/run${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
rm -rf /tmp/kernels-run
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
"$ncu" --csv --metrics gpu__time_duration.sum --launch-skip "$skip" \
  --launch-count "$count" build-cuda/rlbench train --algo "$algo" --dataset hopper-medium-mini \
  --env hopper --device cuda --steps 200 --eval-every 200 --eval-episodes 1 \
  --set train.cuda_graphs=false --out /tmp/kernels-run >"$out/kernels_$algo.csv" 2>"$out/kernels_$algo.err"
echo "ncu exit $?; $(grep -c gpu__time_duration "$out/kernels_$algo.csv") kernels profiled"
