"""What generated dense graphs become for the user: molecules or plain graphs, and their files.

Each output kind decodes a :class:`DenseGraph` batch, summarises it in a few numbers and writes
the file formats its users expect. Methods and the ``geogen sample`` command hold one of them
and never branch on what they generate.
"""

from __future__ import annotations

import json
import pickle
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Sequence

from geogen.data.states import DenseGraph
from geogen.errors import GeogenError
from geogen.io import atomic_output

__all__ = ["GraphOutputKind", "MoleculeOutput", "GraphOutput"]


class GraphOutputKind(ABC):
    """Decode, summarise and write generated graphs."""

    suffixes: tuple[str, ...] = ()

    @abstractmethod
    def decode(self, state: DenseGraph) -> Any:
        """Turn a sampled batch into user objects."""

    @abstractmethod
    def summary(self, decoded: Any) -> dict[str, float]:
        """Cheap quality numbers printed after sampling."""

    @abstractmethod
    def write(self, decoded: Any, path: Path, **options: Any) -> list[Path]:
        """Write the samples; returns the files written."""

    def check_suffix(self, path: Path) -> None:
        if path.suffix.lower() not in self.suffixes:
            raise GeogenError(f"cannot write {type(self).__name__.replace('Output', '').lower()}s "
                              f"to '{path.suffix or path.name}'; use one of {', '.join(self.suffixes)}")


class MoleculeOutput(GraphOutputKind):
    """Molecules decoded with GDSS's rules (thresholds, +1 charges on N/O/S, valency correction).

    Args:
        atom_types: the vocabulary of the node-feature columns, e.g. ``["C", "N", "O", "F"]``.
    """

    suffixes = (".smi", ".txt", ".csv", ".sdf")

    def __init__(self, *, atom_types: Sequence[str]) -> None:
        from geogen.chem.vocabulary import AtomVocabulary

        self.vocabulary = AtomVocabulary(types=tuple(atom_types))

    def decode(self, state: DenseGraph):
        from geogen.chem.decode import decode_dense

        return decode_dense(state.x, state.adj, self.vocabulary, mask=state.mask)

    def summary(self, decoded) -> dict[str, float]:
        valid = [s for s in decoded.smiles if s]
        return {"validity_wo_correction": decoded.validity_without_correction,
                "validity": decoded.validity,
                "uniqueness": len(set(valid)) / len(valid) if valid else 0.0}

    def write(self, decoded, path: Path, conformers: bool = False, **options: Any) -> list[Path]:
        self.check_suffix(path)
        suffix = path.suffix.lower()
        if suffix == ".sdf":
            from geogen.chem.io import write_sdf

            mols = [m for m in decoded.mols if m is not None]
            written = write_sdf(mols, path, conformers=conformers)
            if written < len(mols):
                import sys

                print(f"note: {len(mols) - written} of {len(mols)} molecules were left out of "
                      f"{path.name} (no 3D conformer could be embedded)", file=sys.stderr)
            return [path]
        with atomic_output(path) as temp:
            with open(temp, "w") as handle:
                if suffix == ".csv":
                    handle.write("smiles,valid_without_correction\n")
                    for smiles, valid in zip(decoded.smiles, decoded.valid_without_correction):
                        handle.write(f"{smiles or ''},{int(valid)}\n")
                else:
                    handle.writelines(f"{s}\n" for s in decoded.smiles if s)
        return [path]


class GraphOutput(GraphOutputKind):
    """Plain graphs decoded as GDSS does (edge where ``adj >= threshold``, isolated nodes dropped).

    Args:
        threshold: adjacency threshold (GDSS: 0.5).
        remove_isolated: drop nodes without edges (GDSS); False keeps them (SPECTRE/DiGress).
    """

    suffixes = (".pkl", ".pickle", ".edgelist", ".txt")

    def __init__(self, *, threshold: float = 0.5, remove_isolated: bool = True) -> None:
        self.threshold = threshold
        self.remove_isolated = remove_isolated

    def decode(self, state: DenseGraph) -> list:
        from geogen.data.graph_convert import dense_to_graphs

        return dense_to_graphs(state.adj, state.mask, threshold=self.threshold,
                               remove_isolated=self.remove_isolated)

    def summary(self, decoded: list) -> dict[str, float]:
        if not decoded:
            return {}
        return {"mean_nodes": sum(g.number_of_nodes() for g in decoded) / len(decoded),
                "mean_edges": sum(g.number_of_edges() for g in decoded) / len(decoded)}

    def write(self, decoded: list, path: Path, **options: Any) -> list[Path]:
        self.check_suffix(path)
        with atomic_output(path) as temp:
            if path.suffix.lower() in (".pkl", ".pickle"):
                with open(temp, "wb") as handle:
                    pickle.dump(decoded, handle)
            else:
                with open(temp, "w") as handle:
                    for index, graph in enumerate(decoded):
                        handle.write(f"# graph {index} nodes {graph.number_of_nodes()}\n")
                        handle.writelines(f"{u} {v}\n" for u, v in graph.edges())
        return [path]


def write_json(data: dict, path: Path) -> None:
    """Write ``data`` as pretty JSON, atomically."""
    with atomic_output(path) as temp:
        temp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
