"""Run a speed/memory benchmark and print absolute figures and ratios.

Each benchmark is a module of `geogen.benchmarks` with a ``main(argv) -> int`` and a one-line
docstring; `geogen benchmark list` shows them. Arguments after the name go to the benchmark:
  geogen benchmark sampler --batch 1024 --nodes 9
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from geogen.errors import GeogenError

HELP = "run a benchmark: geogen benchmark NAME [args]; `geogen benchmark list` lists them"


def available() -> dict[str, str]:
    """Benchmark name -> first docstring line."""
    import geogen.benchmarks as package

    names = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"geogen.benchmarks.{info.name}")
        names[info.name] = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="benchmark name, or 'list'")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the benchmark")


def run(args: argparse.Namespace) -> int:
    names = available()
    if args.name == "list":
        for name, line in names.items():
            print(f"{name:24s} {line}")
        return 0
    if args.name not in names:
        raise GeogenError(f"unknown benchmark '{args.name}'; available: {', '.join(names) or 'none'}")
    module = importlib.import_module(f"geogen.benchmarks.{args.name}")
    return int(module.main(args.rest) or 0)
