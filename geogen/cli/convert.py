"""Convert checkpoints of other implementations into geogen checkpoints.

  geogen convert gdss-official gdss_qm9.pth --out gdss_qm9.ckpt

The result samples with `geogen sample gdss_qm9.ckpt -n 1000 --out mols.smi`, with the official
sampler settings of that dataset (EMA weights where the official sample config uses them).
The node-count distribution for sampling comes from the dataset's training split, or from any
SMILES file with --node-counts-from (the ZINC250k CSV, for example, is not always at hand).
"""

from __future__ import annotations

import argparse

HELP = "convert a checkpoint: geogen convert gdss-official FILE.pth --out CKPT"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=["gdss-official"], help="source format")
    parser.add_argument("source", help="the file to convert")
    parser.add_argument("--out", required=True, help="the geogen checkpoint to write")
    parser.add_argument("--node-counts-from", default=None, metavar="SMILES_FILE",
                        help="take the node-count distribution for sampling from this SMILES file "
                             "instead of the dataset's training split (e.g. when that data is not "
                             "available locally)")


def run(args: argparse.Namespace) -> int:
    from geogen.methods.gdss_official import convert_official_checkpoint

    config = convert_official_checkpoint(args.source, args.out, node_counts_from=args.node_counts_from)
    print(f"wrote {args.out}: GDSS, {config['max_nodes']} nodes, {config['num_features']} features, "
          f"x {config['process']['sdes']['x']['_target_'].rsplit('.', 1)[-1]}, "
          f"adj {config['process']['sdes']['adj']['_target_'].rsplit('.', 1)[-1]}")
    return 0
