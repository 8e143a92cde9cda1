"""Summarise per-seed graph MMDs (``geogen evaluate graphs --out``) against the GDSS paper.

Prints one Markdown row per dataset: the per-seed values, mean ± std (sample std over seeds),
the paper's numbers and mean / paper, for degree, clustering (Gaussian EMD) and orbit
(Gaussian) MMD, the kernels of GDSS's evaluation.

Usage: python scripts/gdss_mmd_table.py NAME=FILE.eval.json[,FILE...] ...
"""

from __future__ import annotations

import json
import statistics
import sys

PAPER = {"community_small": (0.045, 0.086, 0.007), "ego_small": (0.021, 0.024, 0.007),
         "ENZYMES": (0.026, 0.061, 0.009), "grid": (0.111, 0.005, 0.070)}
KEYS = ("degree_mmd_gauss_emd", "clustering_mmd_gauss_emd", "orbit_mmd_gauss")


def row(name: str, files: list[str]) -> str:
    """One Markdown table row for the evaluation files of one dataset."""
    results = [json.load(open(f)) for f in files]
    cells, ratios = [], []
    for key, paper in zip(KEYS, PAPER[name]):
        values = [r[key] for r in results]
        mean = statistics.fmean(values)
        std = statistics.stdev(values) if len(values) > 1 else float("nan")
        cells.append(" / ".join(f"{v:.4f}" for v in values) + f" (**{mean:.4f} ± {std:.4f}**)")
        ratios.append(f"{mean / paper:.2f}")
    paper = " / ".join(str(p) for p in PAPER[name])
    return f"| {name} | {len(files)} | " + " | ".join(cells) + f" | {paper} | {' / '.join(ratios)} |"


def main(argv: list[str]) -> int:
    print("| dataset | seeds | degree | clustering | orbit | paper | mean / paper |")
    print("|---|---|---|---|---|---|---|")
    for arg in argv:
        name, files = arg.split("=", 1)
        print(row(name, files.split(",")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
