#!/usr/bin/env bash
# Sheaf backbone vs the GDSS score networks on QM9 at an equal budget: the same number of
# optimizer steps (batch 1,024, everything else from the experiment configs), then 1,000
# molecules from the EMA weights with the same sampler (S4, 50 steps, seed 0), scored against
# the QM9 test split. Wall and CPU time of each training come from /usr/bin/time.
# Usage: scripts/gdss_sheaf_vs_gdss.sh OUTDIR STEPS [EXPERIMENT...]
set -euo pipefail
cd "$(dirname "$0")/.."
export GEOGEN_DATA_MIRROR=${GEOGEN_DATA_MIRROR:-../shared/data} OMP_NUM_THREADS=1
out=$1; steps=$2; shift 2
experiments=${*:-gdss_qm9 gdss_qm9_sheaf}
for exp in $experiments; do
  run="$out/$exp"
  date -u; uptime
  /usr/bin/time -f "train_wall_s %e user_s %U sys_s %S" -o "$run.time" \
    .venv/bin/geogen train experiment="$exp" hydra.run.dir="$run" task.trainer.max_steps="$steps" \
    task.checkpoint_every_n_steps=250 > "$run.train.log" 2>&1
  cat "$run.time"; date -u; uptime
  .venv/bin/geogen sample "$run/checkpoints/last.ckpt" -n 1000 --sampler s4 --steps 50 --batch-size 1000 \
    --seed 0 --out "$run.s4_50.smi"
  .venv/bin/geogen evaluate molecules --samples "$run.s4_50.smi" --reference qm9 --out "$run.s4_50.eval.json"
done
date -u; uptime
