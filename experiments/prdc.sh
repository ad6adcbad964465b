#!/usr/bin/env bash
# PRDC (Ran et al. 2023) gym-mujoco grid: v2 datasets, 5 seeds, 1M steps, eval 1000 x 50 (the
# reference cadence; pass --eval-every 5000 --eval-episodes 10 for a cheaper sweep). alpha and beta
# come from the per-dataset table (halfcheetah 40/2, hopper and walker2d 2.5/2).
here=$(dirname "$0")
exec "$here/sweep.sh" prdc "$(for e in halfcheetah hopper walker2d; do
  for d in random medium medium-replay medium-expert expert; do echo "$e-$d-v2"; done; done)" "$@"
