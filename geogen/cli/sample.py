"""Sample from a trained checkpoint.

  geogen sample CKPT -n 1000 --out mols.smi [--sampler pc|s4|euler|dpm] [--steps K] [--seed S]
"""

from __future__ import annotations

import argparse

from geogen.errors import GeogenError

HELP = "sample from a checkpoint: geogen sample [CKPT] -n N --out FILE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help="a geogen checkpoint (default: the embedded model)")
    parser.add_argument("-n", "--num-samples", type=int, default=100)
    parser.add_argument("--out", required=True, help="output file (.smi, .csv, .sdf, .pkl, .xyz)")
    parser.add_argument("--sampler", default=None, help="sampler name (pc, s4, euler, dpm)")
    parser.add_argument("--steps", type=int, default=None, help="number of solver steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--conformers", action="store_true", help="add RDKit 3D coordinates to SDF")


def run(args: argparse.Namespace) -> int:
    raise GeogenError("no sampling method is available yet in this build")
