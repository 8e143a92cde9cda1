"""MOSES train / test / test_scaffolds SMILES (``molsets==0.3.1`` CSV files, column ``SMILES``).

The ``molsets`` package itself is not used (it is broken on current Python/pandas/RDKit); its
CSV files come from the local mirror (``moses/*.csv.gz``) or GitHub (:data:`MOSES_FILES`).
:func:`moses_smiles` is cheap (metrics only need SMILES); :func:`load_moses` encodes all
~1.9 M molecules for training (minutes; cached).
"""

from __future__ import annotations

import os

import torch

from geogen.chem.encode import encode_compact
from geogen.chem.vocabulary import AtomVocabulary
from geogen.data.download import RemoteFile, fetch
from geogen.data.molecules import MoleculeCollection, cached_collection, dataset_dir
from geogen.errors import GeogenError

__all__ = ["MOSES_SPLITS", "MOSES_FILES", "MOSES_ATOMS", "moses_smiles", "load_moses"]

MOSES_SPLITS = ("train", "test", "test_scaffolds")
_SHA256 = {
    "train": "786f0313aa6b9ba5514df685f885742a70ea8d86f1a4fa48115f7f80a634265c",
    "test": "f896fbf3764f88d94670b9959e5872c600c12152a18233823e820761b7a791b2",
    "test_scaffolds": "adffb2192c1bfe31ab0e13154d4af19a37dc18bdbf3cd7b4491e04405128adde",
}
MOSES_FILES = {
    split: RemoteFile(
        name=f"{split}.csv.gz",
        url=f"https://media.githubusercontent.com/media/molecularsets/moses/master/data/{split}.csv.gz",
        sha256=digest, mirror_path=f"moses/{split}.csv.gz")
    for split, digest in _SHA256.items()
}
MOSES_ATOMS = AtomVocabulary(types=("C", "N", "O", "F", "S", "Cl", "Br"))
"""Heavy-atom types of MOSES (charges dropped)."""


def moses_smiles(split: str, root: str | os.PathLike | None = None) -> list[str]:
    """The SMILES of one MOSES split (``train``, ``test`` or ``test_scaffolds``)."""
    import pandas as pd

    if split not in MOSES_FILES:
        raise GeogenError(f"unknown MOSES split '{split}'; available: {', '.join(MOSES_SPLITS)}")
    path = fetch(MOSES_FILES[split], dataset_dir("moses", root) / "raw")
    return pd.read_csv(path, usecols=["SMILES"])["SMILES"].astype(str).tolist()


def _build(root, vocabulary: AtomVocabulary, max_nodes: int) -> MoleculeCollection:
    smiles, splits, start = [], {}, 0
    for split in MOSES_SPLITS:
        part = moses_smiles(split, root)
        smiles += part
        splits[split] = (start, start + len(part))
        start += len(part)
    compact = encode_compact(smiles, vocabulary, max_nodes)
    source = torch.as_tensor(compact.indices, dtype=torch.long)
    rows = {name: ((source >= lo) & (source < hi)).nonzero().flatten()
            for name, (lo, hi) in splits.items()}
    info = {"source": "molsets 0.3.1 CSV files", "molecules": len(smiles), "encoded": len(compact),
            "failures": len(compact.failures)}
    return MoleculeCollection(name="moses", vocabulary=vocabulary, max_nodes=max_nodes,
                              compact=compact, splits=rows, info=info)


def load_moses(root: str | os.PathLike | None = None, vocabulary: AtomVocabulary = MOSES_ATOMS,
               max_nodes: int = 27) -> MoleculeCollection:
    """All MOSES splits encoded (slow the first time; cached)."""
    settings = {"vocabulary": list(vocabulary.types), "max_nodes": max_nodes, "splits": "moses/1"}
    return cached_collection("moses", root, settings, lambda: _build(root, vocabulary, max_nodes),
                             file_name=f"moses_{'_'.join(vocabulary.types)}_{max_nodes}.pt")
