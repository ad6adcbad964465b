# eval --policy and collect --policy: argument and input errors that need no fixture (the fixture
# cases run the binary from tests/cli/test_policy_cli.cpp). ${bin} is rlbench.
set(not_hdf5 ${PROJECT_SOURCE_DIR}/CMakeLists.txt)
rlbench_cli_test(eval_policy_missing_file 2 "--policy: no such file or folder: expected a D4RL-layout HDF5 file or a run folder, got nothing at \"nope.hdf5\""
  ${bin} eval --policy nope.hdf5 --env hopper)
rlbench_cli_test(eval_run_and_policy 2 "eval: what to evaluate: expected exactly one of --run DIR and --policy FILE.DIR, got both"
  ${bin} eval --run . --policy nope.hdf5)
rlbench_cli_test(eval_neither 2 "expected exactly one of --run DIR and --policy FILE.DIR, got neither"
  ${bin} eval --episodes 1)
rlbench_cli_test(eval_policy_needs_env 2 "--env: missing: expected the env to evaluate .*CMakeLists.txt in \\(hopper, halfcheetah, walker2d, ant\\), got none"
  ${bin} eval --policy ${not_hdf5})
rlbench_cli_test(eval_policy_unknown_env 2 "did you mean \"hopper\""
  ${bin} eval --policy ${not_hdf5} --env hoper)
rlbench_cli_test(eval_policy_not_hdf5 1 "CMakeLists.txt: not an HDF5 file"
  ${bin} eval --policy ${not_hdf5} --env hopper)
rlbench_cli_test(eval_policy_device 2 "--device: unsupported for --policy: expected cpu"
  ${bin} eval --policy ${not_hdf5} --env hopper --device cuda)
rlbench_cli_test(eval_policy_folder_stochastic 2 "--stochastic: expected a run folder with a stochastic policy \\(policy.hdf5\\), got a folder without policy.hdf5"
  ${bin} eval --policy . --stochastic)
rlbench_cli_test(eval_run_stochastic 2 "--stochastic: expected a run folder with a stochastic policy"
  ${bin} eval --run . --stochastic)
rlbench_cli_test(collect_policy_missing_file 2 "--policy: no such file or folder"
  ${bin} collect --env hopper --policy nope.hdf5 --steps 10 --out x.hdf5)
rlbench_cli_test(collect_policy_folder_without_policy 2 "got a run folder without policy.hdf5 \\(its algorithm has no stochastic policy\\)"
  ${bin} collect --env hopper --policy . --steps 10 --out x.hdf5)
rlbench_cli_test(collect_policy_not_hdf5 1 "CMakeLists.txt: not an HDF5 file"
  ${bin} collect --env hopper --policy ${not_hdf5} --steps 10 --out x.hdf5)
