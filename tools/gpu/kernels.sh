#!/usr/bin/env bash
# Kernel list of TD3+BC updates on the GPU machine, from Nsight Compute: name and duration of
# every kernel in a window of eager updates after the warm-up. Needs a build from check.sh.
#   tools/gpu/kernels.sh [algo] [skip] [count]      (writes $OUT/kernels_ALGO.csv)
# It then prints, per update, the kernel count, their summed time and the five longest.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/rlbench-gpu}
algo=${1:-td3_bc}
skip=${2:-3000}
count=${3:-600}
export LD_LIBRARY_PATH=/tmp/rlbench-deps/run${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
rm -rf /tmp/kernels-run
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
"$ncu" --csv --metrics gpu__time_duration.sum --launch-skip "$skip" \
  --launch-count "$count" build-cuda/rlbench train --algo "$algo" --dataset hopper-medium-mini \
  --env hopper --device cuda --steps 200 --eval-every 200 --eval-episodes 1 \
  --set train.cuda_graphs=false --out /tmp/kernels-run >"$out/kernels_$algo.csv" 2>"$out/kernels_$algo.err"
echo "ncu exit $?; $(grep -c gpu__time_duration "$out/kernels_$algo.csv") kernels profiled"
# Per window between two batch gathers (one update): kernel count, summed time, longest kernels.
python3 - "$out/kernels_$algo.csv" <<'PY'
import csv, re, sys
unit = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3}
rows, header = [], None
for r in csv.reader(open(sys.argv[1])):
    if "Kernel Name" in r:
        header = r
    elif header and len(r) == len(header):
        d = dict(zip(header, r))
        us = float(d["Metric Value"].replace(",", "")) * unit[d["Metric Unit"]]
        rows.append((re.sub(r"[<(].*", "", d["Kernel Name"])[:60], us, d["Grid Size"]))
starts = [i for i, k in enumerate(rows) if "scatter_gather" in k[0]]
for a, b in zip(starts, starts[1:]):
    window = rows[a:b]
    top = sorted(window, key=lambda k: -k[1])[:5]
    print(f"update at kernel {a}: {len(window)} kernels, {sum(k[1] for k in window):.1f} us;",
          "; ".join(f"{n.strip()} {us:.1f} us {g}" for n, us, g in top))
PY
