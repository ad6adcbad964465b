#!/usr/bin/env bash
# Sweeps one algorithm over a grid of D4RL datasets and seeds, then prints the results table.
#   experiments/sweep.sh ALGO "DATASET ..." [extra rlbench train flags]
# Environment: RLBENCH (binary, default build/rlbench), SEEDS (default 0,1,2,3,4, trained together
# in one process per dataset), OUT (default results/<algo>), METRIC (compare's --metric, default
# final; last10 averages each run's last 10 evaluations, TD3+BC's convention). Finished runs are
# skipped, so the script can be re-run after an interruption; unfinished runs resume from their
# checkpoints.
# On a Slurm cluster, run one dataset per job: sbatch --wrap "experiments/sweep.sh prdc hopper-medium-v2"
set -euo pipefail
algo=$1
datasets=$2
shift 2
rlbench=${RLBENCH:-build/rlbench}
seeds=${SEEDS:-0,1,2,3,4}
out=${OUT:-results/$algo}
metric=${METRIC:-final}

for dataset in $datasets; do
  "$rlbench" train --algo "$algo" --dataset "$dataset" --seeds "$seeds" --out "$out" "$@"
done
"$rlbench" compare "$out" --by algo,dataset --metric "$metric"
