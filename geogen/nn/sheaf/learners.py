"""Restriction-map and edge-weight learners: functions of the two endpoint features of an edge."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from geogen.nn.sheaf.graph import SheafGraph

__all__ = ["ConcatMapLearner", "EdgeWeightLearner"]


class ConcatMapLearner(nn.Module):
    """Per directed edge (v, u): ``act(W [x_v || x_u])``, NSD's local concatenation learner.

    ``W [x_v || x_u] = W_v x_v + W_u x_u`` is computed as two node-level projections gathered
    onto the edges, so no [E, 2F] tensor is ever built (same function, far less memory).

    Args:
        in_channels: F, features per node fed to the learner.
        out_channels: P, numbers per edge (d diagonal entries, d(d-1)/2 angles or d*d entries).
        activation: applied to the output (``torch.tanh`` in NSD; ``nn.Identity()`` for none).
    """

    def __init__(self, *, in_channels: int, out_channels: int, activation: nn.Module | None = None) -> None:
        super().__init__()
        self.linear = nn.Linear(2 * in_channels, out_channels, bias=False)
        self.activation = activation if activation is not None else nn.Tanh()
        self.in_channels = in_channels

    def forward(self, x: Tensor, graph: SheafGraph) -> Tensor:
        """Shapes: x [N, F] -> [E, P]."""
        weight_v, weight_u = self.linear.weight.split(self.in_channels, dim=1)  # [P, F] each
        source, target = x @ weight_v.t(), x @ weight_u.t()  # [N, P] each
        return self.activation(source.index_select(0, graph.row) + target.index_select(0, graph.col))


class EdgeWeightLearner(nn.Module):
    """Symmetric edge weights ``sigmoid(w^T [x_v || x_u]) * sigmoid(w^T [x_u || x_v])`` (NSD).

    Args:
        in_channels: F, features per node.
    """

    def __init__(self, *, in_channels: int) -> None:
        super().__init__()
        self.linear = nn.Linear(2 * in_channels, 1, bias=False)
        nn.init.uniform_(self.linear.weight, -1.0 / math.sqrt(2 * in_channels), 1.0 / math.sqrt(2 * in_channels))
        self.in_channels = in_channels

    def forward(self, x: Tensor, graph: SheafGraph) -> Tensor:
        """Shapes: x [N, F] -> [E]."""
        weight_v, weight_u = self.linear.weight.split(self.in_channels, dim=1)  # [1, F] each
        source, target = (x @ weight_v.t()).squeeze(-1), (x @ weight_u.t()).squeeze(-1)  # [N]
        half = torch.sigmoid(source.index_select(0, graph.row) + target.index_select(0, graph.col))  # [E]
        return half * half.index_select(0, graph.reverse)
