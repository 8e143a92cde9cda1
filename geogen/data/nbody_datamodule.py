"""LightningDataModule for charged N-body forecasting: frame ``input_frame`` -> frame ``target_frame``."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch

from geogen.data.trajectories import SPLIT_SIZES, load_charged_split

__all__ = ["NBodyDataModule", "nbody_graphs"]


def nbody_graphs(split: str, *, count: int, input_frame: int, target_frame: int, root: str | Path | None = None) -> list:
    """One PyG graph per trajectory: ``pos`` and ``vec`` (velocity, [n, 1, 3]) at the input frame,
    ``x`` = charge [n, 1], ``y`` = positions at the target frame [n, 3]. No ``edge_index``: PONITA
    then connects all particles of a system (as PONITA's N-body setup)."""
    from torch_geometric.data import Data

    data = load_charged_split(split, count, root)
    pos = torch.from_numpy(data.pos)  # [B, T, n, 3]
    vel = torch.from_numpy(data.vel)
    charges = torch.from_numpy(data.charges)  # [B, n]
    return [Data(pos=pos[i, input_frame], vec=vel[i, input_frame, :, None, :], x=charges[i, :, None],
                 y=pos[i, target_frame]) for i in range(pos.shape[0])]


class NBodyDataModule(L.LightningDataModule):
    """Charged 5-body systems; validation returns two loaders: validation and test.

    Args:
        root: dataset cache root (default ``geogen.paths.data_root()``).
        num_train, num_val, num_test: trajectories used (reference: 3,000 / 256 / 2,000).
        input_frame, target_frame: forecast from this frame to that one (reference: 30 -> 40).
        batch_size: graphs per batch.
        test_during_validation: also evaluate the test split at each validation, to log its
            learning curve (model selection still uses the validation split only).
    """

    def __init__(self, *, root: str | None = None, num_train: int = SPLIT_SIZES["train"],
                 num_val: int = SPLIT_SIZES["val"], num_test: int = SPLIT_SIZES["test"], input_frame: int = 30,
                 target_frame: int = 40, batch_size: int = 100, test_during_validation: bool = True,
                 num_workers: int = 0) -> None:
        super().__init__()
        self.root = root
        self.counts = {"train": num_train, "val": num_val, "test": num_test}
        self.frames = {"input_frame": input_frame, "target_frame": target_frame}
        self.batch_size = batch_size
        self.test_during_validation = test_during_validation
        self.num_workers = num_workers
        self.graphs: dict[str, list] = {}

    def setup(self, stage: str | None = None) -> None:
        for split, count in self.counts.items():
            if split not in self.graphs:
                self.graphs[split] = nbody_graphs(split, count=count, root=self.root, **self.frames)

    def _loader(self, split: str, shuffle: bool):
        from torch_geometric.loader import DataLoader

        return DataLoader(self.graphs[split], batch_size=self.batch_size, shuffle=shuffle, num_workers=self.num_workers)

    def train_dataloader(self):
        return self._loader("train", shuffle=True)

    def val_dataloader(self):
        loaders = [self._loader("val", shuffle=False)]
        if self.test_during_validation:
            loaders.append(self._loader("test", shuffle=False))
        return loaders

    def test_dataloader(self):
        return self._loader("test", shuffle=False)
