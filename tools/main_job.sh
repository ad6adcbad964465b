#!/usr/bin/env bash
# The main job behind `make run`: train PRDC on a bundled dataset for a short budget (a few
# minutes on 2 cores, two seeds in two worker threads), evaluate in MuJoCo and print the results
# table.
# Finished runs are not repeated: a second `make run` only prints the table.
set -euo pipefail
bin=${1:-build/rlbench}
dataset=${RLBENCH_MAIN_DATASET:-hopper-medium-mini}
out=results/quickstart

"$bin" datasets info "$dataset"
echo
"$bin" train --algo prdc --dataset "$dataset" --seeds 0,1 --steps 3000 --eval-every 1000 \
  --eval-episodes 5 --out "$out"
echo
"$bin" compare "$out" --by algo,dataset --metric final
