#!/usr/bin/env bash
# Issue 4's learning check: each offline algorithm on the bundled hopper-medium-mini (behaviour
# policy at D4RL normalized 62.1), seeds 0 and 1 batched, a fixed budget of 10k steps, evaluated
# every 5000 steps over 10 episodes; ends with the comparison table. Finished runs are skipped and
# killed ones resume, so the script can be rerun until it completes. Extra flags pass through to
# rlbench train.
set -euo pipefail
bin=${RLBENCH:-$(cd "$(dirname "$0")/.." && pwd)/build/rlbench}
out=${OUT:-results/learning-check}
steps=${STEPS:-10000}
for algo in td3_bc prdc a2pr; do
  "$bin" train --algo "$algo" --dataset hopper-medium-mini --seeds 0,1 --steps "$steps" \
    --eval-every 5000 --eval-episodes 10 --out "$out" --quiet "$@"
done
"$bin" compare "$out" --by algo,dataset --metric final
