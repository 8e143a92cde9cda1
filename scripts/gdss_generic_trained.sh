#!/usr/bin/env bash
# Sample a GDSS graph model trained by `geogen train experiment=gdss_<name>` and score it:
# as many graphs as the test split, the experiment's own sampler (the official one), EMA
# weights unless EXTRA is --no-ema, GDSS kernels against the test split.
# Usage: scripts/gdss_generic_trained.sh CKPT DATASET OUTPREFIX "SEEDS" [EXTRA]
set -euo pipefail
cd "$(dirname "$0")/.."
export GEOGEN_DATA_MIRROR=${GEOGEN_DATA_MIRROR:-../shared/data} OMP_NUM_THREADS=1
ckpt=$1; name=$2; prefix=$3; seeds=$4; extra=${5:-}
count=$(.venv/bin/python -c "from geogen.data.graphs import load_graphs; print(len(load_graphs('$name', 'test')))")
for seed in $seeds; do
  date -u; uptime
  .venv/bin/geogen sample "$ckpt" -n "$count" --batch-size 1000 --seed "$seed" $extra --out "${prefix}_s$seed.pkl"
  .venv/bin/geogen evaluate graphs --samples "${prefix}_s$seed.pkl" --reference "$name" --out "${prefix}_s$seed.eval.json"
done
date -u; uptime
