#!/usr/bin/env bash
# A2PR (Liu et al. 2024) grid: the v2 datasets with published settings (alpha, vae_weight, mask
# and gamma are picked per dataset), 5 seeds (run.sh uses 0-4), 1M steps, eval 5000 x 10.
here=$(dirname "$0")
exec "$here/sweep.sh" a2pr "hopper-random-v2 $(for e in halfcheetah hopper walker2d; do
  for d in medium medium-replay medium-expert; do echo "$e-$d-v2"; done; done)" "$@"
