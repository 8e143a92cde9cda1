#!/usr/bin/env bash
# ENZYMES with the official checkpoint and its sampler (S4, snr 0.15, scale_eps 0.7, 1,000 steps,
# EMA weights), 117 samples (= the test split) per seed in size buckets (--max-pairs), GDSS kernels
# against the test split.
# Usage: scripts/gdss_generic_enzymes.sh OUTDIR SEED...   (OUTDIR holds enzymes.ckpt from
# `geogen convert gdss-official gdss_enzymes.pth --out OUTDIR/enzymes.ckpt`)
set -euo pipefail
cd "$(dirname "$0")/.."
export GEOGEN_DATA_MIRROR=${GEOGEN_DATA_MIRROR:-../shared/data} OMP_NUM_THREADS=1
out=$1; shift
for seed in "$@"; do
  date -u; uptime
  .venv/bin/geogen sample "$out/enzymes.ckpt" -n 117 --seed "$seed" --batch-size 20 --max-pairs 40000 --out "$out/enzymes_s$seed.pkl"
  .venv/bin/geogen evaluate graphs --samples "$out/enzymes_s$seed.pkl" --reference ENZYMES --out "$out/enzymes_s$seed.eval.json"
done
date -u; uptime
