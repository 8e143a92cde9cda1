"""Inspect and prepare datasets.

  geogen data list
  geogen data info qm9
"""

from __future__ import annotations

import argparse

from geogen.errors import GeogenError

HELP = "datasets: geogen data list | info NAME | prepare NAME"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "info", "prepare"])
    parser.add_argument("name", nargs="?")


def run(args: argparse.Namespace) -> int:
    raise GeogenError("dataset commands are not available yet in this build")
