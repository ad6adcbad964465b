# envs and bench subcommands. Included from tests/CMakeLists.txt; ${bin} is rlbench.
rlbench_cli_test(envs_list 0 "hopper +11 +3 +4 +1000.*halfcheetah +17 +6 +5.*walker2d +17 +6.*ant +111 +8 +5" ${bin} envs list)
rlbench_cli_test(envs_info 0 "obs_dim: 11.*act_dim: 3.*timestep: 0.002.*frame_skip: 4.*dt: 0.008.*max_episode_steps: 1000.*nbody: 5.*total_mass: [0-9.]+.*bodies: world.*torso.*foot" ${bin} envs info hopper)
rlbench_cli_test(envs_info_dataset 0 "\"id\": \"ant\".*\"obs_dim\": 111.*\"xml_sha256\": \"[0-9a-f]{64}\"" ${bin} envs info ant-medium-v2 --json)
rlbench_cli_test(envs_info_antmaze 1 "rlbench envs info: error: dataset \"antmaze-umaze-v2\": rlbench has no env implementation for \"antmaze\"" ${bin} envs info antmaze-umaze-v2)
rlbench_cli_test(envs_info_unknown 2 "error: .*neither an env id nor a dataset name \\(did you mean \"walker2d\"\\?\\)" ${bin} envs info walker2)
rlbench_cli_test(bench_envs_small 0 "\"benchmark\": \"envs\".*\"hopper\".*\"ant\"" ${bin} bench envs --steps 200 --repeats 1 --json)
rlbench_cli_test(bench_unknown 2 "benchmark \"evl\": unknown \\(did you mean \"eval\"\\?\\)" ${bin} bench evl)
