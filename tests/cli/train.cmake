# train, eval, collect through the binary. The bundled hopper-random-mini dataset is found through
# the repository's datasets/ folder.
rlbench_cli_test(train_completes 0 "td3_bc-hopper-random-mini-s0-[0-9a-f]{8}  seed 0  completed  steps 20  final"
  ${bin} train --algo td3_bc --dataset hopper-random-mini --steps 20 --eval-every 10
  --eval-episodes 1 --out runs --quiet)
# not a TTY: one progress line per evaluation, with the rate and the ETA
rlbench_cli_test(train_progress_lines 0 "td3_bc hopper-random-mini seed 0 step 10/20 \\(50.0%\\) ([0-9]+|\\?) upd/s ETA [0-9hms?]+: s0 [-0-9.]+ .*step 20/20 \\(100.0%\\)"
  ${bin} train --algo td3_bc --dataset hopper-random-mini --steps 20 --eval-every 10
  --eval-episodes 1 --out runs)
rlbench_cli_test(train_then_eval 0 "checkpoint at step 20.*normalized score \\(x100, hopper-random-mini\\)"
  sh -c "${bin} train --algo prdc --dataset hopper-random-mini --steps 20 --eval-every 20 --eval-episodes 1 --out runs --quiet && ${bin} eval --run runs/prdc-* --episodes 2")
rlbench_cli_test(train_idempotent 0 "already completed \\(use --force to rerun\\)"
  sh -c "${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out runs --quiet && ${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out runs --quiet")
# two processes, same command: byte-identical checkpoints (nothing process-specific inside)
rlbench_cli_test(train_checkpoints_byte_identical 0 "checkpoints: same"
  sh -c "${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out a --quiet && ${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out b --quiet && (cmp -s a/*/checkpoint.pt b/*/checkpoint.pt && echo checkpoints: same || echo checkpoints: differ)")
rlbench_cli_test(train_unknown_param 2 "config: algo.params.betta: unknown key \\(did you mean \"beta\"\\?\\)"
  ${bin} train --algo prdc --dataset hopper-random-mini --set algo.params.betta=2 --steps 10)
rlbench_cli_test(train_bad_value 2 "algo.params.tau"
  ${bin} train --algo td3_bc --dataset hopper-random-mini --set algo.params.tau=-1 --steps 10)
rlbench_cli_test(train_cuda_graphs_not_bool 2 "train.cuda_graphs: expected true or false, got string \"maybe\""
  ${bin} train --algo td3_bc --dataset hopper-random-mini --set train.cuda_graphs=maybe --steps 10)
rlbench_cli_test(train_unknown_algo 2 "unknown algorithm \"prdx\" \\(did you mean \"prdc\"\\?\\)"
  ${bin} train --algo prdx --dataset hopper-random-mini)
rlbench_cli_test(train_unknown_dataset 2 "did you mean \"hopper-medium-v2\""
  ${bin} train --algo td3_bc --dataset hopper-medum-v2)
rlbench_cli_test(train_seed_and_seeds 2 "--seed and --seeds"
  ${bin} train --algo td3_bc --dataset hopper-random-mini --seed 1 --seeds 1,2)
# an empty list is an error, not the default seed (an empty argument: through sh, as CMake drops it)
rlbench_cli_test(train_empty_seeds 2 "--seeds: bad seed list: expected comma-separated integers >= 0, got \"\""
  sh -c "${bin} train --algo td3_bc --dataset hopper-random-mini --seeds ''")
# contradictory flags are refused before a completed run is touched (no ';' here: CMake lists)
rlbench_cli_test(train_force_and_resume 2 "--force and --resume: expected one of them, got both.*result.json: kept"
  sh -c "${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out runs --quiet && ( ${bin} train --algo td3_bc --dataset hopper-random-mini --steps 4 --eval-every 4 --eval-episodes 1 --out runs --quiet --force --resume || ( rc=$? && test -e runs/td3_bc-*/result.json && echo result.json: kept && exit $rc ) )")
rlbench_cli_test(collect_random 0 "x.hdf5: 300 rows, [0-9]+ terminals, 0 timeouts, 299 qlearning transitions"
  ${bin} collect --env hopper --steps 300 --out x.hdf5 --seed 1 --quiet)
rlbench_cli_test(collect_unknown_env 2 "did you mean \"hopper\""
  ${bin} collect --env hoper --steps 300 --out x.hdf5)
rlbench_cli_test(eval_missing_run 2 "--run"
  ${bin} eval --run does-not-exist)
