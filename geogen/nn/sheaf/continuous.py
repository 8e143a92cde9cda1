"""Continuous-time sheaf diffusion dX/dt = -L_F(X) (I (x) W1) X W2, integrated with torchdiffeq."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.sheaf.builders import SheafBuilder
from geogen.nn.sheaf.features import NodeFeatures, as_node_features, prepare_node_features
from geogen.nn.sheaf.graph import SheafGraph
from geogen.nn.sheaf.model import as_sheaf_graph

__all__ = ["SheafODEFunc", "ContinuousSheafDiffusion"]


class SheafODEFunc(nn.Module):
    """The vector field; the sheaf is re-learned from the current state when ``nonlinear``.

    Args:
        builder: the sheaf builder. stalk_dim, hidden_channels: D and C of the state.
        nonlinear: learn L_F from X(t) at every evaluation (else from X(0) only).
    """

    def __init__(self, *, builder: SheafBuilder, stalk_dim: int, hidden_channels: int, nonlinear: bool = True) -> None:
        super().__init__()
        self.builder, self.nonlinear = builder, nonlinear
        self.left = nn.Parameter(torch.eye(stalk_dim))
        self.right = nn.Parameter(torch.empty(hidden_channels, hidden_channels))
        nn.init.orthogonal_(self.right)

    def vector_field(self, x: Tensor, graph: SheafGraph, laplacian) -> Tensor:
        """Shapes: x [N, D, C] -> [N, D, C]."""
        laplacian = self.builder(x, graph) if self.nonlinear or laplacian is None else laplacian
        return -laplacian.matmul(torch.matmul(torch.matmul(self.left, x), self.right.t()))


class ContinuousSheafDiffusion(nn.Module):
    """NSD with an ODE instead of discrete layers: encoder, ``odeint`` over [0, time], decoder.

    Args:
        in_channels, out_channels, hidden_channels: as :class:`NeuralSheafDiffusion`.
        sheaf: builds a :class:`SheafBuilder` given ``hidden_channels=``.
        time: integration horizon T.
        method: torchdiffeq solver (``euler``, ``rk4``, ``dopri5``, ...).
        step_size: for fixed-step solvers.
        nonlinear: re-learn the sheaf along the trajectory.
        input_dropout, dropout: on features and on the encoded state.
    """

    def __init__(self, *, in_channels: int, out_channels: int, hidden_channels: int,
                 sheaf: Callable[..., SheafBuilder], time: float = 1.0, method: str = "euler",
                 step_size: float = 0.25, nonlinear: bool = True, input_dropout: float = 0.0,
                 dropout: float = 0.0) -> None:
        super().__init__()
        builder = sheaf(hidden_channels=hidden_channels)
        self.stalk_dim, self.hidden_channels = builder.total_dim, hidden_channels
        width = self.stalk_dim * hidden_channels
        self.encoder, self.decoder = nn.Linear(in_channels, width), nn.Linear(width, out_channels)
        self.func = SheafODEFunc(builder=builder, stalk_dim=self.stalk_dim, hidden_channels=hidden_channels,
                                 nonlinear=nonlinear)
        self.time, self.method, self.step_size = time, method, step_size
        self.input_dropout, self.dropout = input_dropout, dropout

    prepare_graph = staticmethod(SheafGraph.from_edge_index)
    prepare_features = staticmethod(prepare_node_features)

    def forward(self, x: Tensor | NodeFeatures, edge_index: SheafGraph | Tensor) -> Tensor:
        """Shapes: x [N, F] (or :meth:`prepare_features` output) -> logits [N, out_channels]."""
        from torchdiffeq import odeint

        h = F.elu(as_node_features(x).dropout(self.input_dropout, self.training).linear(self.encoder))
        graph = as_sheaf_graph(edge_index, h.size(0))
        h = F.dropout(h, p=self.dropout, training=self.training).view(-1, self.stalk_dim, self.hidden_channels)
        laplacian = None if self.func.nonlinear else self.func.builder(h, graph)
        times = torch.tensor([0.0, self.time], dtype=h.dtype, device=h.device)
        trajectory = odeint(lambda t, state: self.func.vector_field(state, graph, laplacian), h, times,
                            method=self.method, options={"step_size": self.step_size} if self.method in
                            ("euler", "rk4", "midpoint") else None)
        return self.decoder(trajectory[-1].reshape(h.size(0), -1))

    def grouped_parameters(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """(sheaf learner parameters, all others)."""
        sheaf = list(self.func.builder.parameters())
        ids = {id(p) for p in sheaf}
        return sheaf, [p for p in self.parameters() if id(p) not in ids]
