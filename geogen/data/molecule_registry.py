"""Molecule datasets by name: ``qm9``, ``zinc250k``, ``moses`` or a SMILES/CSV/SDF file path.

Each entry knows its loader and which splits play "train" and "test" under the protocol the
papers use (GDSS for QM9/ZINC250k, MOSES's own files for MOSES, random 90/10 for custom files).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geogen.data.molecules import MoleculeCollection
from geogen.errors import GeogenError

__all__ = ["MoleculeSource", "MOLECULE_DATASETS", "molecule_source", "load_molecules"]


@dataclass(frozen=True)
class MoleculeSource:
    """How to load one named molecule dataset and which splits are train/test."""

    name: str
    loader: Callable[..., MoleculeCollection]
    train_split: str
    test_split: str
    description: str


def _qm9(root=None, **options):
    from geogen.data.qm9 import load_qm9

    return load_qm9(root=root, **options)


def _zinc(root=None, **options):
    from geogen.data.zinc import load_zinc250k

    return load_zinc250k(root=root, **options)


def _moses(root=None, **options):
    from geogen.data.moses import load_moses

    return load_moses(root=root, **options)


MOLECULE_DATASETS: dict[str, MoleculeSource] = {
    "qm9": MoleculeSource("qm9", _qm9, "gdss/train", "gdss/test",
                          "QM9 heavy atoms (C,N,O,F, <= 9), GDSS + EDM splits"),
    "zinc250k": MoleculeSource("zinc250k", _zinc, "gdss/train", "gdss/test",
                               "ZINC250k (9 types, <= 38 atoms), GDSS split; CSV not mirrored"),
    "moses": MoleculeSource("moses", _moses, "train", "test",
                            "MOSES train/test/test_scaffolds (SMILES from molsets 0.3.1)"),
}


def molecule_source(name: str) -> MoleculeSource:
    """The registry entry of ``name``; a path to a file gives a custom-data entry."""
    if name in MOLECULE_DATASETS:
        return MOLECULE_DATASETS[name]
    if Path(name).suffix.lower() in (".smi", ".txt", ".csv", ".sdf"):
        from geogen.data.smiles import load_smiles_dataset

        def loader(root=None, **options):
            return load_smiles_dataset(name, root=root, **options)

        return MoleculeSource(name, loader, "train", "test", f"custom SMILES file {name}")
    raise GeogenError(f"unknown molecule dataset '{name}'; available: "
                      f"{', '.join(MOLECULE_DATASETS)} or a .smi/.txt/.csv/.sdf file path")


def load_molecules(name: str, root: str | os.PathLike | None = None, **options) -> MoleculeCollection:
    """Load a molecule dataset by name or file path (``options`` go to the loader)."""
    return molecule_source(name).loader(root=root, **options)
