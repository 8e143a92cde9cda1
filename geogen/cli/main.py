"""Entry point of the `geogen` console command.

Each subcommand lives in its own module of this package and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Errors meant for the user are raised as
:class:`geogen.errors.GeogenError` and end in one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from geogen import __version__
from geogen.cpu_memory import retain_freed_memory
from geogen.errors import GeogenError

__all__ = ["main", "build_parser"]

SUBCOMMANDS = ("train", "sample", "evaluate", "convert", "benchmark", "data", "demo")


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of every subcommand (imports stay light until a command runs)."""
    parser = argparse.ArgumentParser(
        prog="geogen",
        description="Generative models of graphs, molecules and 3D geometry.",
    )
    parser.add_argument("--version", action="version", version=f"geogen {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"geogen.cli.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def _quiet_third_party_warnings() -> None:
    warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by ``sys.exit``)."""
    _quiet_third_party_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    retain_freed_memory()  # large temporaries are reused, not re-faulted at every step
    try:
        return int(args._run(args) or 0)
    except GeogenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
