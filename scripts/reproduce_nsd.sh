#!/usr/bin/env bash
# Reproduce the NSD table (10 Geom-GCN splits each), one dataset after the other.
# Usage: scripts/reproduce_nsd.sh [OUT_DIR] [THREADS] [DATASETS...]
# Writes OUT_DIR/<dataset>/metrics.json and logs OUT_DIR/<dataset>.log; set GEOGEN_DATA_MIRROR offline.
set -euo pipefail
out=${1:-outputs/nsd_reproduce}
threads=${2:-2}
shift $(( $# > 2 ? 2 : $# ))
datasets=("$@")
[ ${#datasets[@]} -eq 0 ] && datasets=(texas wisconsin cornell film chameleon squirrel)
mkdir -p "$out"
for name in "${datasets[@]}"; do
  start=$(date +%s)
  geogen train "experiment=nsd_${name}" "hydra.run.dir=${out}/${name}" "task.num_threads=${threads}" \
    > "${out}/${name}.log" 2>&1
  echo "${name}: $(( $(date +%s) - start )) s wall, $(grep -o "test [0-9.]* ± [0-9.]*" "${out}/${name}.log" | tail -1)"
done
