"""ZINC250k (GDSS protocol): the upstream CSV and GDSS/MoFlow's test indices.

The CSV is ``250k_rndm_zinc_drugs_clean_3.csv`` from the chemical VAE repository
(:data:`ZINC250K_CSV`; columns ``smiles,logP,qed,SAS``, every SMILES ends with a newline inside
its quotes). It is not in the local mirror: place it in ``<data_root>/zinc250k/raw/`` when the
machine has no internet. ``gdss/test`` holds the rows listed in ``valid_idx_zinc250k.json``
(24,887 0-based rows), ``gdss/train`` the rest. Types C, N, O, F, P, S, Cl, Br, I; at most 38
heavy atoms; charges dropped in GDSS mode.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from geogen.chem.encode import encode_compact
from geogen.chem.vocabulary import ZINC250K_ATOMS, AtomVocabulary
from geogen.data.download import RemoteFile, fetch
from geogen.data.molecules import MoleculeCollection, cached_collection, dataset_dir

__all__ = ["load_zinc250k", "read_zinc250k_csv", "ZINC250K_CSV", "GDSS_ZINC250K_TEST_INDEX"]

ZINC250K_CSV = RemoteFile(
    name="250k_rndm_zinc_drugs_clean_3.csv",
    url="https://raw.githubusercontent.com/aspuru-guzik-group/chemical_vae/master/models/"
        "zinc_properties/250k_rndm_zinc_drugs_clean_3.csv",
)
GDSS_ZINC250K_TEST_INDEX = RemoteFile(
    name="valid_idx_zinc250k.json",
    url="https://raw.githubusercontent.com/harryjo97/GDSS/master/data/valid_idx_zinc250k.json",
    sha256="cf1af3a8588c947493ff0a2b60178db6726e9a4dbb445235b149cd3bbe6831df",
    mirror_path="zinc250k/valid_idx_zinc250k.json",
)


def read_zinc250k_csv(path: str | os.PathLike) -> list[str]:
    """The SMILES column of the upstream CSV, stripped of the trailing newlines."""
    import pandas as pd

    return [str(s).strip() for s in pd.read_csv(path, usecols=["smiles"])["smiles"]]


def _build(root, vocabulary: AtomVocabulary, max_nodes: int) -> MoleculeCollection:
    raw = dataset_dir("zinc250k", root) / "raw"
    smiles = read_zinc250k_csv(fetch(ZINC250K_CSV, raw))
    test = json.loads(Path(fetch(GDSS_ZINC250K_TEST_INDEX, raw)).read_text())
    compact = encode_compact(smiles, vocabulary, max_nodes)
    row_of = {source: row for row, source in enumerate(compact.indices)}
    test_rows = sorted(row_of[i] for i in test if i in row_of)
    is_test = torch.zeros(len(compact), dtype=torch.bool)
    is_test[test_rows] = True
    splits = {"gdss/train": (~is_test).nonzero().flatten(), "gdss/test": torch.tensor(test_rows, dtype=torch.long)}
    info = {"source": ZINC250K_CSV.url, "molecules": len(smiles), "encoded": len(compact),
            "gdss_test_indices": len(test),
            "gdss_test_unencodable": sorted(i for i in test if i not in row_of),
            "failures": len(compact.failures)}
    return MoleculeCollection(name="zinc250k", vocabulary=vocabulary, max_nodes=max_nodes,
                              compact=compact, splits=splits, info=info)


def load_zinc250k(root: str | os.PathLike | None = None,
                  vocabulary: AtomVocabulary = ZINC250K_ATOMS,
                  max_nodes: int = 38) -> MoleculeCollection:
    """ZINC250k with GDSS's split (``gdss/train``, ``gdss/test``); see the module doc."""
    settings = {"vocabulary": list(vocabulary.types), "max_nodes": max_nodes, "splits": "gdss/1"}
    return cached_collection("zinc250k", root, settings, lambda: _build(root, vocabulary, max_nodes),
                             file_name=f"zinc250k_{'_'.join(vocabulary.types)}_{max_nodes}.pt")
