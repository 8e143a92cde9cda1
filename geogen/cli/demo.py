"""Sampler demo on a 2D Gaussian mixture with its exact score (a few seconds)."""

from __future__ import annotations

import argparse

from geogen.errors import GeogenError

HELP = "sampler demo on a 2D Gaussian mixture with its exact score"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--num-samples", type=int, default=20000)


def run(args: argparse.Namespace) -> int:
    raise GeogenError("the demo is not available yet in this build")
