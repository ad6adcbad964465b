# `rlbench datasets` without fixtures: usage, exit codes, name resolution. Cases that need an HDF5
# fixture run the binary from tests/cli/test_datasets_cli.cpp. Included from tests/CMakeLists.txt.
rlbench_cli_test(datasets_help 0 "list.*info.*verify" ${bin} datasets --help)
rlbench_cli_test(datasets_no_subcommand 2 "rlbench datasets: error: .*subcommand" ${bin} datasets)
rlbench_cli_test(datasets_info_no_arg 2 "rlbench datasets info: error: .*dataset is required" ${bin} datasets info)
rlbench_cli_test(datasets_info_unknown_name 2 "error: hopper-mediun-v2: unknown dataset name \\(did you mean \"hopper-medium-v2\"\\?\\)" ${bin} datasets info hopper-mediun-v2)
rlbench_cli_test(datasets_info_missing_file 1 "error: nothing/here.hdf5: no such file: expected an existing HDF5 file or a dataset name, got nothing at this path" ${bin} datasets info nothing/here.hdf5)
rlbench_cli_test(datasets_verify_not_downloaded 1 "error: ant-medium-v2: dataset file not found: expected ant_medium-v2.hdf5 in empty-dir.*rlbench datasets fetch ant-medium-v2" ${bin} datasets verify ant-medium-v2 --data-dir empty-dir)
rlbench_cli_test(datasets_list 0 "NAME +ENV +LOCAL +SIZE +CHECKSUM.*hopper-medium-v2 +hopper +no.*antmaze-umaze-v2 +antmaze" ${bin} datasets list --data-dir empty-dir)
rlbench_cli_test(datasets_bad_view_flag 2 "error: .*--frobnicate" ${bin} datasets list --frobnicate)
rlbench_cli_test(datasets_compact_no_out 2 "rlbench datasets compact: error: .*--out is required" ${bin} datasets compact hopper-random-mini)
rlbench_cli_test(datasets_compact_missing_file 1 "error: nothing/here.hdf5: no such file" ${bin} datasets compact nothing/here.hdf5 --out x.hdf5)
