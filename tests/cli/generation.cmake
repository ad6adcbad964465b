# Online SAC and the dataset suite through the binary. Included from tests/CMakeLists.txt.
set(tiny_sac "--set algo.params.actor_hidden=[16,16] --set algo.params.critic_hidden=[16,16] --set online.warmup_steps=20 --set train.batch_size=16")
rlbench_cli_test(sac_train_then_eval_policy 0 "sac-hopper-s0-[0-9a-f]{8}  seed 0  completed  steps 60.*normalized score"
  sh -c "${bin} train --algo sac --env hopper --steps 60 --eval-every 30 --eval-episodes 1 --out runs --quiet ${tiny_sac} && ${bin} eval --policy runs/sac-hopper-s0-* --episodes 2")
rlbench_cli_test(sac_with_dataset 2 "dataset.name: expected no dataset for the online algorithm sac \\(it trains in dataset.env\\), got \"hopper-random-mini\""
  ${bin} train --algo sac --dataset hopper-random-mini)
rlbench_cli_test(sac_without_env 2 "dataset.env: expected the env sac trains in \\(--env\\), got none"
  ${bin} train --algo sac)
rlbench_cli_test(sac_resume 2 "--resume: online runs restart from step 0: expected an offline algorithm, got sac"
  ${bin} train --algo sac --env hopper --resume --steps 10)
rlbench_cli_test(sac_unknown_param 2 "algo.params.alpha_lrr: unknown key \\(did you mean \"alpha_lr\"\\?\\)"
  ${bin} train --algo sac --env hopper --set algo.params.alpha_lrr=1)
rlbench_cli_test(suite_unknown_style 2 "suite: --styles: unknown style \"expret\" \\(did you mean \"expert\"\\?\\)"
  ${bin} suite --env hopper --out x --styles medium,expret)
rlbench_cli_test(suite_unknown_env 2 "env \"hoper\": unknown env \\(did you mean \"hopper\"\\?\\)"
  ${bin} suite --env hoper --out x)
