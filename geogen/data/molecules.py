"""Molecule collections: encoded molecules + named splits, cached PyG-style on disk.

A :class:`MoleculeCollection` holds every encodable molecule of a dataset in compact form
(:class:`geogen.chem.CompactMolecules`), the canonical SMILES used as the metric reference, and
row indices per split (``"gdss/train"``, ``"edm/test"``, ...). :func:`cached_collection`
stores it under ``data_root()/<name>/processed/`` together with the processing settings, so a
changed setting (vocabulary, max nodes, split version) rebuilds instead of reading a stale file.
:class:`MoleculeDataset` serves one split as GDSS-format tensors.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset

from geogen.chem.encode import CompactMolecules, EncodingFailure
from geogen.chem.vocabulary import AtomVocabulary
from geogen.data.states import DenseGraph
from geogen.errors import GeogenError
from geogen.paths import data_root

__all__ = [
    "MoleculeCollection",
    "MoleculeDataset",
    "cached_collection",
    "collate_dense_graphs",
    "dataset_dir",
]

CACHE_VERSION = 1


def dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """``data_root(root)/<name>``, the folder holding ``raw/`` and ``processed/``."""
    return data_root(root) / name


@dataclass
class MoleculeCollection:
    """A molecule dataset with its splits.

    Attributes:
        name: dataset name (``"qm9"``, ``"zinc250k"``, ``"moses"``, ``"smiles:<file>"``).
        vocabulary: atom types of the one-hot columns.
        max_nodes: ``N``, the padded number of heavy atoms.
        compact: the encoded molecules (row ``r``; ``compact.smiles[r]`` is the canonical SMILES
            of the source, charges kept).
        splits: split name -> ``[M_split]`` long row indices.
        info: facts for ``geogen data info`` (source file, missing indices, failures, ...).
    """

    name: str
    vocabulary: AtomVocabulary
    max_nodes: int
    compact: CompactMolecules
    splits: dict[str, Tensor]
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.compact)

    def _rows(self, split: str) -> Tensor:
        if split not in self.splits:
            raise GeogenError(f"{self.name} has no split '{split}'; "
                              f"available: {', '.join(self.splits)}")
        return self.splits[split]

    def smiles(self, split: str) -> list[str]:
        """Canonical SMILES of a split (the reference for novelty / FCD)."""
        return [self.compact.smiles[r] for r in self._rows(split).tolist()]

    def dataset(self, split: str) -> "MoleculeDataset":
        """A torch Dataset of GDSS-format tensors for one split."""
        return MoleculeDataset(self.compact, self._rows(split), len(self.vocabulary))

    def node_counts(self, split: str) -> Tensor:
        """``[M_split]`` number of heavy atoms per molecule."""
        return (self.compact.types[self._rows(split)] >= 0).sum(dim=1)

    def node_count_distribution(self, split: str) -> Tensor:
        """``[N + 1]`` float64 empirical distribution of node counts (index = count)."""
        counts = torch.bincount(self.node_counts(split), minlength=self.max_nodes + 1)
        return counts.double() / counts.sum().clamp(min=1)


class MoleculeDataset(Dataset):
    """One split as a map-style Dataset.

    ``dataset[i]`` is a dict ``{"x": [N, A], "adj": [N, N], "mask": [N]}``; a DataLoader with
    :func:`collate_dense_graphs` fetches whole batches at once (``__getitems__``) and yields
    :class:`geogen.data.states.DenseGraph` batches.
    """

    def __init__(self, compact: CompactMolecules, rows: Tensor, num_types: int) -> None:
        self.compact = compact
        self.rows = rows.long()
        self.num_types = num_types

    def __len__(self) -> int:
        return len(self.rows)

    def dense(self, indices) -> DenseGraph:
        """The molecules at dataset positions ``indices`` as one DenseGraph."""
        x, adj, mask = self.compact.dense(self.rows[torch.as_tensor(indices, dtype=torch.long)],
                                          num_types=self.num_types)
        return DenseGraph(x=x, adj=adj, mask=mask)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        graph = self.dense([index])
        return {"x": graph.x[0], "adj": graph.adj[0], "mask": graph.mask[0]}

    def __getitems__(self, indices: list[int]) -> DenseGraph:
        return self.dense(indices)


def collate_dense_graphs(items) -> DenseGraph:
    """Collate for DataLoaders: a DenseGraph passes through, a list of item dicts is stacked."""
    if isinstance(items, DenseGraph):
        return items
    return DenseGraph(x=torch.stack([i["x"] for i in items]),
                      adj=torch.stack([i["adj"] for i in items]),
                      mask=torch.stack([i["mask"] for i in items]))


def _to_payload(collection: MoleculeCollection, settings: dict) -> dict:
    compact = collection.compact
    return {
        "settings": settings, "name": collection.name, "types_vocab": list(collection.vocabulary.types),
        "max_nodes": collection.max_nodes, "types": compact.types, "bonds": compact.bonds,
        "bond_ptr": compact.bond_ptr, "smiles": compact.smiles, "indices": compact.indices,
        "failures": [[f.index, f.smiles, f.reason] for f in compact.failures],
        "splits": collection.splits, "info": collection.info,
    }


def _from_payload(payload: dict) -> MoleculeCollection:
    compact = CompactMolecules(
        types=payload["types"], bonds=payload["bonds"], bond_ptr=payload["bond_ptr"],
        smiles=payload["smiles"], indices=payload["indices"],
        failures=[EncodingFailure(index=i, smiles=s, reason=r) for i, s, r in payload["failures"]])
    return MoleculeCollection(name=payload["name"],
                              vocabulary=AtomVocabulary(types=tuple(payload["types_vocab"])),
                              max_nodes=payload["max_nodes"], compact=compact,
                              splits=payload["splits"], info=payload["info"])


def save_atomic(payload, path: Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        torch.save(payload, temp)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def cached_collection(name: str, root: str | os.PathLike | None, settings: dict,
                      build: Callable[[], MoleculeCollection],
                      file_name: str = "molecules.pt") -> MoleculeCollection:
    """Load ``<root>/<name>/processed/<file_name>`` if its settings match, else build and save.

    Args:
        name: dataset folder name.
        root: data root (default ``$GEOGEN_DATA`` or ``datasets/``).
        settings: everything that changes the processed result (JSON-like values).
        build: makes the collection from raw files.
    """
    settings = {**settings, "cache_version": CACHE_VERSION}
    path = dataset_dir(name, root) / "processed" / file_name
    if path.is_file():
        try:
            payload = torch.load(path, weights_only=True)
        except Exception:  # a corrupt or foreign file is rebuilt rather than trusted
            payload = None
        if payload is not None and payload.get("settings") == settings:
            return _from_payload(payload)
    collection = build()
    save_atomic(_to_payload(collection, settings), path)
    return collection
