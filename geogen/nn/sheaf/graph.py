"""Index structures of a graph that sheaf Laplacians reuse at every layer and epoch."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch
from torch import Tensor

from geogen.nn.sheaf.block_sparse import EdgeBlockPattern

__all__ = ["SheafGraph"]


@dataclass(frozen=True)
class SheafGraph:
    """A symmetric graph with each directed edge paired with its reverse, computed once per graph.

    Shapes:
        edge_index: [2, E] with both directions of every edge and no self-loops;
        reverse: [E], ``edge_index[:, reverse[e]] == edge_index.flip(0)[:, e]``;
        edge_weight: [E] symmetric non-negative weights, or None (all ones);
        degree: [N] weighted degree (sum of incident edge weights).

    Graphs with at least ``sparse_min_edges`` directed edges (default: all) apply Laplacians as
    CSR products (:meth:`edge_blocks`); below it, as gathers and ``index_add`` (the reference
    path). CSR was faster on every fixed graph measured (texas to squirrel); graphs rebuilt at
    every call (the dense denoiser backbone) are faster with gathers, since the layout is not reused.
    """

    edge_index: Tensor
    reverse: Tensor
    num_nodes: int
    degree: Tensor
    edge_weight: Tensor | None = None
    sparse_min_edges: int = 0
    # Memo of edge-block CSR layouts per (stalk_dim, blocks): built once per graph, reused every layer/epoch.
    _patterns: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # Cached: every layer reads them several times per forward, and each ``edge_index[k]`` is an operator call.
    @functools.cached_property
    def row(self) -> Tensor:
        return self.edge_index[0]

    @functools.cached_property
    def col(self) -> Tensor:
        return self.edge_index[1]

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.size(1))

    @classmethod
    def from_edge_index(cls, edge_index: Tensor, num_nodes: int, edge_weight: Tensor | None = None,
                        sparse_min_edges: int = 0) -> "SheafGraph":
        """Pair every edge with its reverse; raises ValueError if the graph is not symmetric.

        Args:
            edge_index: [2, E] int64 without self-loops and duplicates.
            num_nodes: N.
            edge_weight: optional [E] weights, symmetric under edge reversal.
            sparse_min_edges: see the class docstring (a graph used for a single forward pass
                pays the CSR layout's construction every time: pass a large value there).
        """
        row, col = edge_index
        if bool((row == col).any()):
            raise ValueError("sheaf Laplacians need a graph without self-loops")
        key = row * num_nodes + col  # [E]
        order = torch.argsort(key)
        sorted_key = key[order]
        position = torch.searchsorted(sorted_key, col * num_nodes + row).clamp(max=key.numel() - 1)
        if not bool((sorted_key[position] == col * num_nodes + row).all()):
            raise ValueError("sheaf Laplacians need an undirected edge_index (both directions present)")
        reverse = order[position]
        weight = torch.ones_like(row, dtype=torch.float32) if edge_weight is None else edge_weight
        degree = torch.zeros(num_nodes, dtype=weight.dtype, device=row.device).index_add_(0, row, weight)
        return cls(edge_index=edge_index, reverse=reverse, num_nodes=num_nodes, degree=degree,
                   edge_weight=edge_weight, sparse_min_edges=sparse_min_edges)

    def edge_blocks(self, stalk_dim: int, blocks: tuple[tuple[int, int], ...]) -> EdgeBlockPattern | None:
        """The CSR layout of per-edge blocks filling ``blocks`` (see :class:`EdgeBlockPattern`),
        or None when the graph is below ``sparse_min_edges`` (use gathers)."""
        if self.num_edges < self.sparse_min_edges:
            return None
        key = (stalk_dim, blocks)
        if key not in self._patterns:
            self._patterns[key] = EdgeBlockPattern.build(self.row, self.col, self.num_nodes, stalk_dim, blocks)
        return self._patterns[key]

    def weighted(self, values: Tensor) -> Tensor:
        """``values`` [E, ...] multiplied by the edge weights (unchanged when unweighted)."""
        if self.edge_weight is None:
            return values
        return values * self.edge_weight.view(-1, *([1] * (values.dim() - 1))).to(values.dtype)
