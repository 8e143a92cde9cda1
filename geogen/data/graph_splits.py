"""Train/val/test split rules of the generic-graph benchmarks, reproduced exactly.

* :class:`GDSSSplit` -- GDSS ``utils/data_loader.py``: no shuffling at all; the test set is
  the first ``int(0.2 * len)`` graphs of the pickled list, the training set the rest, and
  there is no validation set.
* :class:`SpectreSplit` -- SPECTRE ``data.py`` (GRAN-like): ``test = round(0.2 n)``,
  ``train = round(0.8 (n - test))``, ``val = n - train - test``, then
  ``torch.utils.data.random_split`` with ``torch.Generator().manual_seed(1234)``, i.e. one
  ``torch.randperm(n)`` cut into train, val, test in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GDSSSplit", "SpectreSplit", "SPLIT_NAMES"]

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class GDSSSplit:
    """GDSS's split: test = the first ``int(test_fraction * n)`` graphs, train = the rest."""

    test_fraction: float = 0.2

    def indices(self, num_graphs: int) -> dict[str, np.ndarray]:
        """Index arrays per split (``val`` is empty).

        Args:
            num_graphs: size of the whole dataset.

        Returns:
            ``{"train": ..., "val": ..., "test": ...}`` int64 index arrays.
        """
        test_size = int(self.test_fraction * num_graphs)
        order = np.arange(num_graphs)
        return {"train": order[test_size:], "val": order[:0], "test": order[:test_size]}

    def describe(self) -> str:
        return f"GDSS: test = first {self.test_fraction:.0%} of the list (no shuffle), train = rest"


@dataclass(frozen=True)
class SpectreSplit:
    """SPECTRE's split: a seeded ``torch.randperm`` cut into train / val / test."""

    seed: int = 1234
    test_fraction: float = 0.2
    train_fraction: float = 0.8

    def indices(self, num_graphs: int) -> dict[str, np.ndarray]:
        """Index arrays per split, in the order of ``torch.utils.data.random_split``.

        Args:
            num_graphs: size of the whole dataset.

        Returns:
            ``{"train": ..., "val": ..., "test": ...}`` int64 index arrays.
        """
        import torch

        test_len = int(round(num_graphs * self.test_fraction))
        train_len = int(round((num_graphs - test_len) * self.train_fraction))
        val_len = num_graphs - train_len - test_len
        generator = torch.Generator().manual_seed(self.seed)
        perm = torch.randperm(num_graphs, generator=generator).numpy().astype(np.int64)
        return {"train": perm[:train_len], "val": perm[train_len:train_len + val_len],
                "test": perm[train_len + val_len:]}

    def describe(self) -> str:
        return (f"SPECTRE: random_split seed {self.seed}, test round({self.test_fraction} n), "
                f"train round({self.train_fraction} (n - test)), val = rest")
