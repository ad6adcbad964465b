#!/usr/bin/env python3
"""Trains the official A2PR update on a D4RL-layout file and scores it with rlbench's envs.

A cross-check for rlbench's A2PR port (BENCHMARKS.md, "A2PR against the reference"): it imports
the `A2PR` class from a local clone of ltlhuuu/A2PR (nothing of it is copied here), feeds it
d4rl.qlearning_dataset-style transitions with TD3+BC's state normalisation, and every EVERY
steps exports the actor as a D4RL policy (the normalisation folded into fc0) for
`rlbench eval --policy`. Needs Debian's python3-torch, python3-h5py and python3-numpy.

usage: a2pr_reference.py A2PR_CLONE DATASET.hdf5 ENV STEPS EVERY SEED MASK VAE_WEIGHT DISCOUNT ALPHA
"""
import json
import subprocess
import sys

import h5py
import numpy as np
import torch

clone, path, env = sys.argv[1], sys.argv[2], sys.argv[3]
steps, every, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
mask, vae_weight, discount, alpha = (float(x) for x in sys.argv[7:11])
rlbench = "build/rlbench"
sys.path.insert(0, clone)
from A2PR import A2PR  # noqa: E402  (the official class)

torch.set_num_threads(1)
with h5py.File(path, "r") as f:
    obs, act, rew = f["observations"][:], f["actions"][:], f["rewards"][:]
    term, tout = f["terminals"][:], f["timeouts"][:]
rows = np.array([i for i in range(obs.shape[0] - 1) if not tout[i]])  # qlearning view
s, a, s2 = obs[rows], act[rows], obs[rows + 1]
r, nd = rew[rows].reshape(-1, 1), 1.0 - term[rows].reshape(-1, 1)
mean, std = s.mean(0, keepdims=True), s.std(0, keepdims=True) + 1e-3
s, s2 = (s - mean) / std, (s2 - mean) / std

torch.manual_seed(seed)
np.random.seed(seed)
agent = A2PR(s.shape[1], a.shape[1], 1.0, "cpu", discount=discount, alpha=alpha, mask=mask,
             vae_weight=vae_weight)


class Batches:
    def sample(self, n):
        i = np.random.randint(0, s.shape[0], size=n)
        return [torch.FloatTensor(x[i]) for x in (s, a, r, s2, nd)]


def export(file):
    actor = agent.actor
    with h5py.File(file, "w") as g:
        for k, layer in enumerate([actor.l1, actor.l2, actor.l3]):
            w = layer.weight.detach().numpy().astype(np.float64)
            b = layer.bias.detach().numpy().astype(np.float64)
            if k == 0:  # W·((x − μ)/σ) + b = (W/σ)·x + (b − W·μ/σ)
                b = b - (w * (mean / std)).sum(1)
                w = w / std
            g[f"metadata/policy/fc{k}/weight"] = w.astype(np.float32)
            g[f"metadata/policy/fc{k}/bias"] = b.astype(np.float32)
        g["metadata/policy/last_fc/weight"] = actor.l4.weight.detach().numpy()
        g["metadata/policy/last_fc/bias"] = actor.l4.bias.detach().numpy()
        g["metadata/policy/last_fc_log_std/weight"] = np.zeros_like(actor.l4.weight.detach().numpy())
        g["metadata/policy/last_fc_log_std/bias"] = np.zeros(a.shape[1], np.float32)
        g["metadata/policy/nonlinearity"] = np.bytes_("relu")
        g["metadata/policy/output_distribution"] = np.bytes_("tanh_gaussian")


batches = Batches()
for t in range(1, steps + 1):
    agent.train(batches, 256)
    if t % every == 0:
        export(f"a2pr-reference-{t}.hdf5")
        out = subprocess.run([rlbench, "--threads", "1", "eval", "--policy",
                              f"a2pr-reference-{t}.hdf5", "--env", env, "--episodes", "10",
                              "--json"], capture_output=True, text=True, check=True)
        score = json.loads(out.stdout)["normalized_score_mean_x100"]
        print(json.dumps({"step": t, "normalized_x100": score}), flush=True)
