# rlbench compare: usage errors exit 2 before any file is read. Included from tests/CMakeLists.txt.
rlbench_cli_test(compare_missing_path 2 "rlbench compare: error: no/such/dir: no such file or directory" ${bin} compare no/such/dir)
rlbench_cli_test(compare_bad_metric 2 "error: .*--metric.*bogus" ${bin} compare . --metric bogus)
rlbench_cli_test(compare_bad_last 2 "rlbench compare: error: --metric: expected final, best or lastN with N from 1 to 999999 without leading zeros \\(e.g. last10\\), got \"last0\"" ${bin} compare . --metric last0)
rlbench_cli_test(compare_bad_format 2 "error: .*--format.*xml" ${bin} compare . --format xml)
rlbench_cli_test(compare_bad_key 2 "rlbench compare: error: --by: unknown key \"datset\" \\(did you mean \"dataset\"\\?\\)" ${bin} compare . --by algo,datset)
rlbench_cli_test(compare_no_results 1 "rlbench compare: error: no result.json under \\." ${bin} compare .)
rlbench_cli_test(compare_help 0 "--metric.*--format" ${bin} compare --help)
