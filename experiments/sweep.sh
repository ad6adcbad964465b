#!/usr/bin/env bash
# Sweeps one algorithm over a grid of D4RL datasets and seeds, then prints the results table.
#   experiments/sweep.sh ALGO "DATASET ..." [extra rlbench train flags]
# DATASET ...: names or paths separated by spaces or newlines; a path with spaces in it goes on a
# line of its own.
# Environment: RLBENCH (binary, default build/rlbench of this repository), SEEDS (default 0,1,2,3,4, trained together
# in one process per dataset), OUT (default results/<algo>), METRIC (compare's --metric, default
# final; last10 averages each run's last 10 evaluations, TD3+BC's convention). Finished runs are
# skipped, so the script can be re-run after an interruption; unfinished runs resume from their
# checkpoints.
# On a Slurm cluster, run one dataset per job: sbatch --wrap "experiments/sweep.sh prdc hopper-medium-v2"
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: experiments/sweep.sh ALGO \"DATASET ...\" [extra rlbench train flags]" >&2
  exit 2
fi
algo=$1
list=$2
shift 2
rlbench=${RLBENCH:-$(cd "$(dirname "$0")/.." && pwd)/build/rlbench}
seeds=${SEEDS:-0,1,2,3,4}
out=${OUT:-results/$algo}
metric=${METRIC:-final}

datasets=()
while IFS= read -r line; do
  [ -n "$line" ] || continue
  if [ -e "$line" ]; then
    datasets+=("$line")  # a file, spaces and all
  else
    read -r -a words <<<"$line"
    datasets+=("${words[@]}")
  fi
done <<<"$list"

for dataset in "${datasets[@]}"; do
  "$rlbench" train --algo "$algo" --dataset "$dataset" --seeds "$seeds" --out "$out" "$@"
done
"$rlbench" compare "$out" --by algo,dataset --metric "$metric"
