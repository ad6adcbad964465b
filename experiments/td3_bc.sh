#!/usr/bin/env bash
# TD3+BC (Fujimoto & Gu 2021) grid: gym-mujoco v2, 5 seeds, 1M steps, eval 5000 x 10.
here=$(dirname "$0")
exec "$here/sweep.sh" td3_bc "$(for e in halfcheetah hopper walker2d; do
  for d in random medium medium-replay medium-expert expert; do echo "$e-$d-v2"; done; done)" "$@"
