"""Inspect and prepare datasets.

  geogen data list
  geogen data info qm9
  geogen data info my_molecules.csv --column smiles
  geogen data prepare qm9
"""

from __future__ import annotations

import argparse

from geogen.errors import GeogenError

HELP = "datasets: geogen data list | info NAME | prepare NAME"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "info", "prepare"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--column", default=None, help="SMILES column of a custom CSV file")
    parser.add_argument("--root", default=None, help="data root (default $GEOGEN_DATA or datasets/)")


def _graph_module():
    try:
        import geogen.data.graphs as graphs
    except ImportError:
        return None
    return graphs


def _list() -> None:
    from geogen.data.molecule_registry import MOLECULE_DATASETS

    print("molecules:")
    for name, source in MOLECULE_DATASETS.items():
        print(f"  {name:16s} {source.description}")
    print("  <file.smi|.csv|.sdf>  custom SMILES data (atom vocabulary inferred)")
    graphs = _graph_module()
    if graphs is not None:
        print("graphs:")
        for name in graphs.GRAPH_DATASETS:
            print(f"  {name}")


def _molecule_info(name: str, args: argparse.Namespace) -> None:
    from geogen.data.molecule_registry import load_molecules

    options = {"column": args.column} if args.column else {}
    collection = load_molecules(name, root=args.root, **options)
    print(f"dataset     {collection.name}")
    print(f"molecules   {len(collection)} encoded, max {collection.max_nodes} heavy atoms")
    print(f"vocabulary  {collection.vocabulary.describe()}")
    for split, rows in collection.splits.items():
        print(f"split       {split}: {len(rows)}")
    for key, value in collection.info.items():
        if isinstance(value, list) and len(value) > 12:
            value = f"{len(value)} entries: {value[:12]} ..."
        elif hasattr(value, "shape"):
            continue
        print(f"info        {key}: {value}")
    for failure in collection.compact.failures[:5]:
        print(f"not encoded input {failure.index} ({failure.smiles!r}): {failure.reason}")


def _graph_info(name: str, args: argparse.Namespace) -> None:
    graphs = _graph_module()
    if hasattr(graphs, "graph_dataset_info"):
        info = graphs.graph_dataset_info(name, root=args.root)
        width = max(len(key) for key in info) + 2
        for key, value in info.items():
            print(f"{key:{width}s}{value}")
        return
    for split in ("train", "test"):
        items = graphs.load_graphs(name, split)
        nodes = [g.number_of_nodes() for g in items]
        print(f"split {split}: {len(items)} graphs, nodes {min(nodes)}-{max(nodes)}")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        _list()
        return 0
    if not args.name:
        raise GeogenError(f"geogen data {args.action} needs a dataset name (see `geogen data list`)")
    graphs = _graph_module()
    if graphs is not None and args.name in graphs.GRAPH_DATASETS:
        _graph_info(args.name, args)
    else:
        _molecule_info(args.name, args)
    return 0
