# CLI contract: help, version, exit codes. Included from tests/CMakeLists.txt; ${bin} is rlbench.
rlbench_cli_test(help 0 "Usage:.*rlbench" ${bin} --help)
rlbench_cli_test(version 0 "rlbench [0-9]+\\.[0-9]+\\.[0-9]+ \\(git .*LibTorch [0-9].*MuJoCo 2\\..*HDF5 1\\..*CUDA (not )?available" ${bin} --version)
rlbench_cli_test(no_subcommand 2 "rlbench: error: .*subcommand" ${bin})
rlbench_cli_test(unknown_subcommand 2 "error: unknown subcommand \"frobnicate\"" ${bin} frobnicate)
rlbench_cli_test(bad_threads 2 "error: .*threads" ${bin} --threads 0 --help-all)
