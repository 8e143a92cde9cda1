"""Train one model per split simultaneously: stacked parameters, ``torch.func.vmap``, per-split early stopping.

On small graphs (texas: 183 nodes) an NSD epoch is almost all per-operator overhead, so ten
splits trained one after another pay that overhead ten times. Here the S models' parameters
are stacked along a leading dimension and every epoch is one vmapped forward/backward and one
Adam step for all of them. Adam and weight decay act elementwise, so each slice follows exactly
the updates it would get alone; the loss is the sum of the per-split losses, so each slice's
gradient is its own split's gradient. Dropout draws are independent per split
(``randomness="different"``), initialisations are those of the sequential path (model s is built
after ``torch.manual_seed(seeds[s])``). Each split keeps its own early stopping: once its
patience runs out its result (test accuracy at its best validation epoch) is final and its slice
leaves the stack (parameters and Adam moments of the others are sliced, not reset), so later
epochs only pay for the splits still training. The loop ends when every split has stopped.
"""

from __future__ import annotations

import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, vmap

from geogen.data.heterophily import NodeDataset
from geogen.methods.node_classification import NodeClassification, SplitResult
from geogen.nn.sheaf.features import EncodedFeatures

__all__ = ["fit_stacked", "stackable"]


def stackable(model: nn.Module, graph, max_edges: int = 20000) -> bool:
    """Whether ``model`` on ``graph`` should take the stacked path.

    Needs a model with ``stacked_encoding``; only graphs up to ``max_edges`` directed edges are
    stacked: on larger ones an epoch is compute-bound, so stacking saves little and multiplies memory.
    """
    return hasattr(model, "stacked_encoding") and getattr(graph, "num_edges", max_edges + 1) <= max_edges


def _stack(models: list[nn.Module]) -> dict[str, Tensor]:
    """{name: [S, ...] leaf tensor requiring grad} over the models' parameters."""
    named = [dict(m.named_parameters()) for m in models]
    return {name: torch.stack([n[name].detach() for n in named]).requires_grad_() for name in named[0]}


def _weights(masks: Tensor) -> Tensor:
    """Boolean masks [S, N] -> per-split averaging weights [S, N] (rows sum to 1)."""
    masks = masks.float()
    return masks / masks.sum(1, keepdim=True).clamp(min=1.0)


class _Tracker:
    """Per-split early-stopping bookkeeping (mirrors :meth:`NodeClassification.fit`)."""

    def __init__(self, splits: list[int], method: NodeClassification, start: float) -> None:
        self.splits, self.method, self.start = splits, method, start
        count = len(splits)
        self.best, self.best_epoch = [-float("inf")] * count, [0] * count
        self.result = [(0.0, 0.0)] * count
        self.stopped: list[SplitResult | None] = [None] * count

    def update(self, epoch: int, active: list[int], val_loss: list[float], val_acc: list[float],
               test_acc: list[float]) -> list[int]:
        """Record one epoch of the ``active`` splits (positions in ``splits``); return those that stop now."""
        stopping = []
        for row, s in enumerate(active):
            score = self.method.score(val_loss[row], val_acc[row])
            if score > self.best[s]:
                self.best[s], self.best_epoch[s], self.result[s] = score, epoch, (test_acc[row], val_acc[row])
            elif epoch - self.best_epoch[s] >= self.method.patience:
                self.stop(s, epoch)
                stopping.append(s)
        return stopping

    def stop(self, s: int, epoch: int) -> None:
        self.stopped[s] = SplitResult(split=self.splits[s], test_acc=self.result[s][0], val_acc=self.result[s][1],
                                      best_epoch=self.best_epoch[s], epochs=epoch + 1,
                                      seconds=time.perf_counter() - self.start)

    def finish(self, last_epoch: int) -> list[SplitResult]:
        for s, result in enumerate(self.stopped):
            if result is None:
                self.stop(s, last_epoch)
        return list(self.stopped)


class _Stack:
    """The still-training splits: stacked parameters [S_active, ...], their Adam state, their node weights.

    Args:
        method: builds the optimiser.
        params: {name: [S, ...] leaf tensor}.
        sheaf_names: parameter names that take ``sheaf_decay``.
        weights: (train, val, test) averaging weights [S, N].
    """

    def __init__(self, method: NodeClassification, params: dict[str, Tensor], sheaf_names: set[str],
                 weights: tuple[Tensor, Tensor, Tensor]) -> None:
        self.method, self.params, self.sheaf_names, self.weights = method, params, sheaf_names, weights
        self.optimizer = self._adam()
        self.active = list(range(weights[0].size(0)))

    def _adam(self) -> torch.optim.Optimizer:
        return self.method.adam([p for n, p in self.params.items() if n in self.sheaf_names],
                                [p for n, p in self.params.items() if n not in self.sheaf_names])

    def drop(self, stopped: list[int]) -> None:
        """Remove the splits at positions ``stopped`` (of the original list), keeping the others' Adam state."""
        rows = [row for row, s in enumerate(self.active) if s not in stopped]
        index = torch.as_tensor(rows, device=self.weights[0].device)
        old_params, old_state = self.params, self.optimizer.state
        self.params = {n: p.detach().index_select(0, index).requires_grad_() for n, p in old_params.items()}
        self.optimizer = self._adam()
        for name, param in self.params.items():
            state = old_state.get(old_params[name], {})
            # Moments are per element (sliced); the step count is one shared scalar.
            self.optimizer.state[param] = {k: v.index_select(0, index) if v.dim() else v.clone() for k, v in state.items()}
        self.weights = tuple(w.index_select(0, index) for w in self.weights)
        self.active = [self.active[row] for row in rows]


def _initial_stack(method: NodeClassification, data: NodeDataset, splits: list[int],
                   seeds: list[int]) -> tuple[nn.Module, _Stack]:
    """(template model, stack of S freshly initialised models: model s built after ``manual_seed(seeds[s])``)."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(method.build(data))
    base = models[0]
    sheaf_ids = {id(p) for p in base.grouped_parameters()[0]}
    index = torch.as_tensor(splits, device=data.y.device)
    weights = tuple(_weights(m.index_select(0, index)) for m in (data.train_masks, data.val_masks, data.test_masks))
    sheaf_names = {name for name, p in base.named_parameters() if id(p) in sheaf_ids}
    return base, _Stack(method, _stack(models), sheaf_names, weights)


def _epoch(base: nn.Module, stack: _Stack, logits: Callable[[], Tensor], y: Tensor) -> list[list[float]]:
    """One Adam step and one evaluation of the active splits: [val loss, val acc, test acc], each [S_active]."""
    train_w, val_w, test_w = stack.weights
    labels = y.expand(train_w.size(0), -1)
    base.train()
    stack.optimizer.zero_grad(set_to_none=True)
    (_nll(logits(), labels) * train_w).sum().backward()
    stack.optimizer.step()
    base.eval()
    with torch.inference_mode():
        out = logits()
        correct = (out.argmax(-1) == labels).float()
        stats = torch.stack([(_nll(out, labels) * val_w).sum(1), (correct * val_w).sum(1), (correct * test_w).sum(1)])
    return stats.tolist()  # one device sync per epoch for all splits


def fit_stacked(method: NodeClassification, data: NodeDataset, splits: list[int], seeds: list[int],
                graph, features) -> list[SplitResult]:
    """Train one freshly initialised model per split, all at once; one result per split.

    Args:
        method: supplies the model factory, optimiser settings, epochs, patience and monitor.
        data: the dataset (masks [S_total, N]).
        splits: which splits (S of them).
        seeds: the seed each split's model is initialised under (as in the sequential path).
        graph, features: ``model.prepare_graph`` / ``model.prepare_features`` outputs.
    Returns:
        S :class:`SplitResult` in ``splits`` order; ``seconds`` is the wall time until that split stopped.
    """
    tracker = _Tracker(splits, method, time.perf_counter())
    base, stack = _initial_stack(method, data, splits, seeds)
    weight_name, bias_name = base.encoder_parameters

    def one_model(p: dict[str, Tensor], h: Tensor) -> Tensor:
        return functional_call(base, p, (EncodedFeatures(h), graph))

    forward = vmap(one_model, randomness="different")

    def logits() -> Tensor:  # [S_active, N, K]
        p = stack.params
        h = base.stacked_encoding(features, p[weight_name], p.get(bias_name))
        if h.size(0) == 1:  # the last split alone: a plain call skips vmap's per-operator overhead
            return one_model({name: value[0] for name, value in p.items()}, h[0]).unsqueeze(0)
        return forward(p, h)

    epoch = 0
    for epoch in range(method.max_epochs):
        stopped = tracker.update(epoch, stack.active, *_epoch(base, stack, logits, data.y))
        if len(stopped) == len(stack.active):
            break
        if stopped:  # stopped splits leave the stack: later epochs cost only what is still training
            stack.drop(stopped)
    return tracker.finish(epoch)


def _nll(logits: Tensor, labels: Tensor) -> Tensor:
    """Per-node cross-entropy. Shapes: logits [S, N, K], labels [S, N] -> [S, N]."""
    return F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
