"""Evaluate samples against a reference dataset or file.

  geogen evaluate molecules --samples mols.smi --reference qm9 --out metrics.json
  geogen evaluate graphs --samples graphs.pkl --reference community_small

Molecules: samples as .smi/.txt (one SMILES per line), .csv (a SMILES column, --column) or
.sdf; reference qm9 | zinc250k | moses | a SMILES file. `--reference qm9` means novelty against
the GDSS training split and FCD/NSPDK against the GDSS test split. Invalid lines count as
invalid samples. Graphs: samples as a pickle of list[networkx.Graph]; reference a graph dataset
name (its test split) or such a pickle.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
from pathlib import Path

from geogen.errors import GeogenError

HELP = "evaluate samples: geogen evaluate molecules|graphs --samples FILE --reference NAME|FILE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["molecules", "graphs"])
    parser.add_argument("--samples", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--out", default=None, help="JSON file for the metrics")
    parser.add_argument("--metrics", default=None,
                        help="comma-separated molecule metrics (default validity,uniqueness,"
                             "novelty,fcd,nspdk; also: moses, properties)")
    parser.add_argument("--column", default=None, help="SMILES column of a CSV samples file")
    parser.add_argument("--device", default="cpu", help="device for ChemNet (FCD)")


def _evaluate_molecules(args: argparse.Namespace) -> dict[str, float]:
    from geogen.data.smiles import read_smiles_file
    from geogen.metrics.molecules import DEFAULT_MOLECULE_METRICS, MOLECULE_METRICS, evaluate_molecules

    metrics = DEFAULT_MOLECULE_METRICS if not args.metrics else tuple(
        m.strip() for m in args.metrics.split(",") if m.strip())
    unknown = [m for m in metrics if m not in MOLECULE_METRICS]
    if unknown:
        raise GeogenError(f"unknown metric(s) {', '.join(unknown)}; available: {', '.join(MOLECULE_METRICS)}")
    samples = read_smiles_file(args.samples, args.column)
    if not samples:
        raise GeogenError(f"{args.samples} contains no samples")
    return evaluate_molecules(samples, args.reference, metrics=metrics, device=args.device)


def _load_graph_pickle(path: str, what: str) -> list:
    import networkx as nx

    file = Path(path)
    if not file.is_file():
        raise GeogenError(f"no such {what} file: {path}")
    try:
        with open(file, "rb") as stream:
            graphs = pickle.load(stream)
    except Exception as error:  # unpickling raises many types on foreign files
        raise GeogenError(f"{path} is not a pickle of list[networkx.Graph] "
                          f"({type(error).__name__})") from None
    if not isinstance(graphs, (list, tuple)) or not all(isinstance(g, nx.Graph) for g in graphs):
        raise GeogenError(f"{path} must hold a list of networkx graphs")
    if not graphs:
        raise GeogenError(f"{path} contains no graphs")
    return list(graphs)


def _evaluate_graphs(args: argparse.Namespace) -> dict[str, float]:
    try:
        from geogen.data.graphs import GRAPH_DATASETS, load_graphs
        from geogen.metrics.graphs import evaluate_graphs
    except ImportError as error:
        raise GeogenError(f"graph evaluation is not available in this build ({error})") from None
    samples = _load_graph_pickle(args.samples, "samples")
    if args.reference in GRAPH_DATASETS:
        reference, dataset = load_graphs(args.reference, "test"), args.reference
    else:
        reference, dataset = _load_graph_pickle(args.reference, "reference"), None
    return evaluate_graphs(samples, reference, dataset)


def _clean(value):
    """JSON-safe number: NaN/inf become null."""
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def format_table(results: dict[str, float]) -> str:
    """Two-column text table of metric values."""
    width = max((len(k) for k in results), default=6)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  ------"]
    for key, value in results.items():
        shown = "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.6g}"
        lines.append(f"{key:<{width}}  {shown}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from geogen.chem.io import atomic_output

    evaluate = _evaluate_molecules if args.kind == "molecules" else _evaluate_graphs
    results = {key: _clean(value) for key, value in evaluate(args).items()}
    print(format_table(results))
    if args.out:
        with atomic_output(args.out) as stream:
            json.dump(results, stream, indent=2)
            stream.write("\n")
        print(f"wrote {args.out}")
    return 0
