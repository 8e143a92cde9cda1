"""Merge the metrics.json of several `geogen train experiment=nsd_<dataset> task.splits=[...]` runs.

    python scripts/merge_split_metrics.py RUN_DIR... --out MERGED_DIR [--num-splits 10]

Writes MERGED_DIR/metrics.json (same keys as one run; per-split lists sorted by split) and prints
the mean ± std table. Fails if the runs are of different datasets or share a split.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geogen.tasks.node_splits import merge_split_metrics


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (or metrics.json files)")
    parser.add_argument("--out", required=True, type=Path, help="directory for the merged metrics.json")
    parser.add_argument("--num-splits", type=int, default=10)
    args = parser.parse_args(argv)
    runs = []
    for path in args.runs:
        file = path / "metrics.json" if path.is_dir() else path
        if not file.is_file():
            parser.error(f"no metrics.json at {path}")
        runs.append(json.loads(file.read_text()))
    try:
        merged = merge_split_metrics(runs, num_splits=args.num_splits)
    except ValueError as error:
        parser.error(str(error))
    merged["sources"] = [str(path) for path in args.runs]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(merged, indent=2) + "\n")
    print(f"{'split':>5} {'test acc':>9} {'val acc':>8} {'best ep':>8} {'epochs':>7}")
    for i, split in enumerate(merged["splits"]):
        print(f"{split:>5} {merged['test_acc'][i]:>9.2f} {merged['val_acc'][i]:>8.2f} "
              f"{merged['best_epoch'][i]:>8} {merged['epochs'][i]:>7}")
    print(f"{merged['dataset']}: test {merged['test_acc_mean']:.2f} ± {merged['test_acc_std']:.2f} "
          f"over {len(merged['splits'])} splits ({'complete' if merged['complete'] else 'INCOMPLETE'}), "
          f"{merged['total_epochs']} epochs, {merged['total_seconds']:.0f} s summed wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
