#!/usr/bin/env bash
# A generic-graph dataset with its official GDSS checkpoint and the checkpoint's own sampler (EMA
# weights, 1,000 steps), as many samples per seed as test graphs, in batches of the official
# training batch size (the official code samples in rounds of it, and GDSS's Langevin step size
# averages over a batch), the networks run in size buckets (--max-pairs), then the GDSS-kernel
# MMDs against the test split.
# Usage: [DEVICE=cuda] [MAX_PAIRS=N] [CKPT_DIR=DIR] [PROGRESS=1] scripts/gdss_generic_official.sh NAME OUTDIR SEED...
#   NAME: enzymes | grid | community_small | ego_small. Converts CKPT_DIR/gdss_NAME.pth (default
#   ../shared/reference/gdss_checkpoints) to OUTDIR/NAME.ckpt if that file is absent.
#   MAX_PAIRS: padded node pairs per size bucket (default 40000, sized for the CPU; on a GPU use
#   e.g. 3000000 so that a batch is one call). Grid in rounds of 8 took 122-132 min per seed
#   (24 graphs; this script samples 20) on the 2-core machine with three seeds run at once,
#   1 thread each (2026-12-01, docs/results.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export GEOGEN_DATA_MIRROR=${GEOGEN_DATA_MIRROR:-../shared/data} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
name=$1; out=$2; shift 2
case $name in
  enzymes) count=117; batch=64; reference=ENZYMES ;;
  grid) count=20; batch=8; reference=grid ;;
  community_small) count=20; batch=128; reference=community_small ;;
  ego_small) count=40; batch=128; reference=ego_small ;;
  *) echo "unknown dataset $name" >&2; exit 2 ;;
esac
mkdir -p "$out"
ckpt="$out/$name.ckpt"
ckpt_dir=${CKPT_DIR:-../shared/reference/gdss_checkpoints}
[ -f "$ckpt" ] || .venv/bin/geogen convert gdss-official "$ckpt_dir/gdss_$name.pth" --out "$ckpt"
for seed in "$@"; do
  date -u; uptime
  .venv/bin/geogen sample "$ckpt" -n "$count" --seed "$seed" --batch-size "$batch" --max-pairs "${MAX_PAIRS:-40000}" \
    --device "${DEVICE:-cpu}" ${PROGRESS:+--progress} --out "$out/${name}_s$seed.pkl"
  .venv/bin/geogen evaluate graphs --samples "$out/${name}_s$seed.pkl" --reference "$reference" \
    --out "$out/${name}_s$seed.eval.json"
done
date -u; uptime
