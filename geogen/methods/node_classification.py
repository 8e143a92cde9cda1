"""Full-batch node classification with early stopping on the validation split (plain torch loop).

Lightning's per-epoch machinery costs more than an NSD epoch on small graphs, so training a
transductive node classifier is a short explicit loop: one optimiser step on the training
nodes, one evaluation of all nodes, keep the test accuracy of the best validation epoch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.data.heterophily import NodeDataset

__all__ = ["NodeClassification", "SplitResult"]

# Higher is better for every monitored quantity, so validation loss enters negated.
def _negative_loss(loss: float, acc: float) -> float:
    return -loss


def _accuracy(loss: float, acc: float) -> float:
    return acc


# Module-level functions, not lambdas: the method is pickled into split-group worker processes.
_MONITORS: dict[str, Callable[[float, float], float]] = {"val_loss": _negative_loss, "val_acc": _accuracy}


@dataclass(frozen=True)
class SplitResult:
    """Outcome of training on one split (accuracies in [0, 1])."""

    split: int
    test_acc: float
    val_acc: float
    best_epoch: int
    epochs: int
    seconds: float


class NodeClassification:
    """Train a fresh model per split; early stopping on validation loss or accuracy.

    Args:
        model: builds the network given ``in_channels=`` and ``out_channels=``; the network is
            called as ``model(features, graph)`` where ``graph = model.prepare_graph(edge_index, num_nodes)``
            and ``features = model.prepare_features(x)`` are computed once per dataset.
        lr: Adam learning rate.
        weight_decay: for all parameters except the sheaf learners (if the model groups them).
        sheaf_decay: weight decay of the sheaf learners (``model.grouped_parameters()``); None = weight_decay.
        max_epochs: epoch budget per split.
        patience: stop after this many epochs without a new best validation score.
        monitor: ``val_loss`` (NSD default) or ``val_acc``.
    """

    def __init__(self, *, model: Callable[..., nn.Module], lr: float = 0.01, weight_decay: float = 5e-4,
                 sheaf_decay: float | None = None, max_epochs: int = 1500, patience: int = 200,
                 monitor: str = "val_loss") -> None:
        if monitor not in _MONITORS:
            raise ValueError(f"monitor must be one of {sorted(_MONITORS)}, got {monitor!r}")
        self.model_factory = model
        self.lr, self.weight_decay = lr, weight_decay
        self.sheaf_decay = weight_decay if sheaf_decay is None else sheaf_decay
        self.max_epochs, self.patience = max_epochs, patience
        self.score = _MONITORS[monitor]

    def build(self, data: NodeDataset) -> nn.Module:
        """A freshly initialised model for ``data`` (on the data's device)."""
        return self.model_factory(in_channels=data.num_features, out_channels=data.num_classes).to(data.x.device)

    def optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        sheaf, other = model.grouped_parameters()
        return self.adam(sheaf, other)

    def adam(self, sheaf: list[Tensor], other: list[Tensor]) -> torch.optim.Optimizer:
        """Adam with ``sheaf_decay`` on the sheaf-learner tensors and ``weight_decay`` on the others."""
        groups = [{"params": other, "weight_decay": self.weight_decay}]
        if sheaf:
            groups.append({"params": sheaf, "weight_decay": self.sheaf_decay})
        # fused: one kernel for all parameters instead of ~10 small ops each (per-epoch overhead).
        return torch.optim.Adam(groups, lr=self.lr, fused=True)

    def fit(self, data: NodeDataset, split: int, graph=None, features=None, progress=None) -> SplitResult:
        """Train on split ``split`` of ``data`` and report the test accuracy at the best epoch.

        Args:
            data: the dataset (masks [S, N]).
            split: which split.
            graph: ``model.prepare_graph(...)`` output to reuse; computed here when None.
            features: ``model.prepare_features(data.x)`` output to reuse; computed here when None.
            progress: optional callable ``(epoch, best_val_acc)`` for a progress display.
        """
        start = time.perf_counter()
        model = self.build(data)
        graph = model.prepare_graph(data.edge_index, data.num_nodes) if graph is None else graph
        features = model.prepare_features(data.x) if features is None else features
        optimizer = self.optimizer(model)
        train, val, test = data.train_masks[split], data.val_masks[split], data.test_masks[split]
        # Index tensors instead of boolean masks: a mask index costs a nonzero() every call.
        train_idx, val_idx, test_idx = (mask.nonzero().squeeze(1) for mask in (train, val, test))
        y_train, y_val = data.y[train_idx], data.y[val_idx]
        best, best_epoch, result, epoch = -float("inf"), 0, (0.0, 0.0), 0
        for epoch in range(self.max_epochs):
            model.train()
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(features, graph).index_select(0, train_idx), y_train).backward()
            optimizer.step()
            val_loss, val_acc, test_acc = self._evaluate(model, features, graph, data.y, val_idx, y_val, test_idx)
            score = self.score(val_loss, val_acc)
            if score > best:
                best, best_epoch, result = score, epoch, (test_acc, val_acc)
            elif epoch - best_epoch >= self.patience:
                break
            if progress is not None:
                progress(epoch, result[1])
        return SplitResult(split=split, test_acc=result[0], val_acc=result[1], best_epoch=best_epoch,
                           epochs=epoch + 1, seconds=time.perf_counter() - start)

    @staticmethod
    @torch.inference_mode()
    def _evaluate(model: nn.Module, features, graph, y: Tensor, val_idx: Tensor, y_val: Tensor,
                  test_idx: Tensor) -> tuple[float, float, float]:
        """(validation loss, validation accuracy, test accuracy), fetched from the device in one transfer."""
        model.eval()
        logits = model(features, graph)
        correct = (logits.argmax(dim=1) == y).float()
        val_loss = F.cross_entropy(logits.index_select(0, val_idx), y_val)
        stats = torch.stack([val_loss, correct.index_select(0, val_idx).mean(), correct.index_select(0, test_idx).mean()])
        val_loss, val_acc, test_acc = stats.tolist()
        return val_loss, val_acc, test_acc
