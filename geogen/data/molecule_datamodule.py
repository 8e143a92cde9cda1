"""LightningDataModule of molecules as GDSS-format DenseGraph batches."""

from __future__ import annotations

import os

import lightning.pytorch as pl
import torch
from torch import Tensor
from torch.utils.data import DataLoader

from geogen.chem.vocabulary import AtomVocabulary
from geogen.data.molecule_registry import load_molecules, molecule_source
from geogen.data.molecules import MoleculeCollection, collate_dense_graphs

__all__ = ["MoleculeDataModule"]


class MoleculeDataModule(pl.LightningDataModule):
    """Batches ``DenseGraph(x [B, N, A], adj [B, N, N], mask [B, N])`` of a molecule dataset.

    Args:
        dataset: ``"qm9"``, ``"zinc250k"``, ``"moses"`` or a ``.smi``/``.csv``/``.sdf`` path.
        batch_size: molecules per batch (GDSS: 1024).
        root: data root (default ``$GEOGEN_DATA`` or ``datasets/``).
        column: SMILES column of a custom CSV file.
        atom_types: vocabulary override, e.g. ``["C", "N", "N+", "O", "O-", "F"]`` to keep
            charges as atom types (default: the dataset's GDSS vocabulary / inferred).
        max_nodes: padding override.
        train_split / test_split: split names (default: the dataset's protocol, GDSS for QM9).
        num_workers: DataLoader workers.
        shuffle: shuffle training batches.

    The validation and test loaders serve the test split (GDSS keeps no validation set).
    """

    def __init__(self, dataset: str = "qm9", batch_size: int = 1024,
                 root: str | os.PathLike | None = None, column: str | None = None,
                 atom_types: list[str] | None = None, max_nodes: int | None = None,
                 train_split: str | None = None, test_split: str | None = None,
                 num_workers: int = 0, shuffle: bool = True) -> None:
        super().__init__()
        source = molecule_source(dataset)
        self.dataset_name = dataset
        self.batch_size = batch_size
        self.root = root
        self.column = column
        self.atom_types_override = None if atom_types is None else tuple(atom_types)
        self.max_nodes_override = max_nodes
        self.train_split = train_split or source.train_split
        self.test_split = test_split or source.test_split
        self.num_workers = num_workers
        self.shuffle = shuffle
        self._collection: MoleculeCollection | None = None

    @property
    def collection(self) -> MoleculeCollection:
        """The loaded dataset (loaded on first use, cached on disk)."""
        if self._collection is None:
            options = {}
            if self.atom_types_override is not None:
                options["vocabulary"] = AtomVocabulary(types=self.atom_types_override)
            if self.max_nodes_override is not None:
                options["max_nodes"] = self.max_nodes_override
            if self.column is not None:
                options["column"] = self.column
            self._collection = load_molecules(self.dataset_name, root=self.root, **options)
        return self._collection

    def prepare_data(self) -> None:
        self.collection  # noqa: B018 - builds the processed cache once

    @property
    def atom_types(self) -> tuple[str, ...]:
        return self.collection.vocabulary.types

    @property
    def vocabulary(self) -> AtomVocabulary:
        return self.collection.vocabulary

    @property
    def max_nodes(self) -> int:
        return self.collection.max_nodes

    @property
    def train_smiles(self) -> list[str]:
        return self.collection.smiles(self.train_split)

    @property
    def test_smiles(self) -> list[str]:
        return self.collection.smiles(self.test_split)

    @property
    def node_count_distribution(self) -> Tensor:
        """``[N + 1]`` probabilities of node counts in the training split."""
        return self.collection.node_count_distribution(self.train_split)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        return DataLoader(self.collection.dataset(split), batch_size=self.batch_size,
                          shuffle=shuffle, num_workers=self.num_workers,
                          collate_fn=collate_dense_graphs,
                          generator=torch.Generator().manual_seed(0) if shuffle else None)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_split, self.shuffle)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.test_split, False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_split, False)
