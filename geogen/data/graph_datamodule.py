"""Lightning data module for the generic-graph benchmarks, yielding ``DenseGraph`` batches."""

from __future__ import annotations

import os

import lightning as L
import networkx as nx
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from geogen.data.graph_convert import graphs_to_dense
from geogen.data.graphs import graph_dataset_info, load_graphs
from geogen.data.states import DenseGraph

__all__ = ["GraphDataModule", "DenseGraphDataset"]


class DenseGraphDataset(Dataset):
    """Pre-padded graphs; item ``i`` is the triple ``(x [N, F], adj [N, N], mask [N])``."""

    def __init__(self, graphs: DenseGraph) -> None:
        self.graphs = graphs

    def __len__(self) -> int:
        return self.graphs.batch_size

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor, Tensor]:
        return self.graphs.x[index], self.graphs.adj[index], self.graphs.mask[index]

    @staticmethod
    def collate(items: list[tuple[Tensor, Tensor, Tensor]]) -> DenseGraph:
        x, adj, mask = (torch.stack(parts) for parts in zip(*items))
        return DenseGraph(x=x, adj=adj, mask=mask)


class GraphDataModule(L.LightningDataModule):
    """Train/val/test loaders of ``DenseGraph(x, adj, mask)`` batches for one benchmark.

    Node features are GDSS's one-hot degrees; ``adj`` is 0/1. GDSS's sets have no validation
    split, so ``val_dataloader`` falls back to the test split there (GDSS itself never validates).

    Args:
        dataset: a name from :data:`geogen.data.graphs.GRAPH_DATASETS`.
        batch_size: graphs per batch (GDSS: 128 community/ego, 64 ENZYMES, 8 grid).
        max_nodes: padded node count ``N``; None = the dataset's default (GDSS's ``max_node_num``).
        max_feat_num: one-hot degree classes ``F``; None = the dataset's default
            (GDSS's ``max_feat_num``: community_small 10, ego_small 17, ENZYMES 10, grid 5).
        root: dataset cache root (default ``$GEOGEN_DATA`` or ``datasets/``).
        num_workers: DataLoader workers.

    Shapes:
        batch.x: ``[B, N, F]``; batch.adj: ``[B, N, N]``; batch.mask: ``[B, N]`` bool.
    """

    def __init__(self, *, dataset: str, batch_size: int = 128, max_nodes: int | None = None,
                 max_feat_num: int | None = None, root: str | os.PathLike | None = None,
                 num_workers: int = 0) -> None:
        super().__init__()
        self.dataset = dataset
        self.batch_size = batch_size
        self.root = root
        self.num_workers = num_workers
        info = graph_dataset_info(dataset, root=root)
        self.info = info
        self.max_nodes = max_nodes if max_nodes is not None else info["default_max_nodes"]
        self.max_feat_num = max_feat_num if max_feat_num is not None else info["default_max_feat_num"]
        self.train_graphs: list[nx.Graph] = load_graphs(dataset, "train", root=root)
        self.test_graphs: list[nx.Graph] = load_graphs(dataset, "test", root=root)
        has_val = info["splits"]["val"] > 0
        self.val_graphs: list[nx.Graph] = (load_graphs(dataset, "val", root=root) if has_val
                                           else self.test_graphs)
        self._dense: dict[str, DenseGraph] = {}

    def setup(self, stage: str | None = None) -> None:
        for split, graphs in (("train", self.train_graphs), ("val", self.val_graphs),
                              ("test", self.test_graphs)):
            if split not in self._dense:
                self._dense[split] = graphs_to_dense(graphs, self.max_nodes, self.max_feat_num)

    @property
    def node_count_distribution(self) -> Tensor:
        """``[max_nodes + 1]`` probabilities of each node count among the training graphs.

        Sampling from it equals GDSS's ``init_flags`` (node counts copied from random
        training graphs).
        """
        counts = torch.tensor([g.number_of_nodes() for g in self.train_graphs])
        histogram = torch.bincount(counts, minlength=self.max_nodes + 1).double()
        return histogram / histogram.sum()

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        self.setup()
        return DataLoader(DenseGraphDataset(self._dense[split]), batch_size=self.batch_size,
                          shuffle=shuffle, num_workers=self.num_workers,
                          collate_fn=DenseGraphDataset.collate)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def transfer_batch_to_device(self, batch: DenseGraph, device: torch.device,
                                 dataloader_idx: int) -> DenseGraph:
        return batch.to(device)
