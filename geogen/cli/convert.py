"""Convert checkpoints of other implementations into geogen checkpoints.

  geogen convert gdss-official gdss_qm9.pth --out gdss_qm9.ckpt
"""

from __future__ import annotations

import argparse

from geogen.errors import GeogenError

HELP = "convert a checkpoint: geogen convert gdss-official FILE.pth --out CKPT"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=["gdss-official"])
    parser.add_argument("source")
    parser.add_argument("--out", required=True)


def run(args: argparse.Namespace) -> int:
    raise GeogenError("conversion is not available yet in this build")
