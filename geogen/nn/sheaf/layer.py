"""One discrete step of sheaf diffusion with a learnable residual weight epsilon."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.sheaf.builders import SheafBuilder
from geogen.nn.sheaf.dropout import dropout
from geogen.nn.sheaf.graph import SheafGraph
from geogen.nn.sheaf.laplacian import SheafLaplacian

__all__ = ["SheafDiffusionLayer"]


class SheafDiffusionLayer(nn.Module):
    """``x <- (1 + tanh eps) x - act(L_F(x) (I (x) W1) x W2)`` (NSD's discrete layer).

    Args:
        builder: learns the sheaf Laplacian L_F from the current signal; None reuses the
            Laplacian passed to :meth:`forward` (NSD's ``linear`` mode: one sheaf for all layers).
        stalk_dim: D, stalk dimensions of the signal (learned + fixed channels).
        hidden_channels: C.
        dropout: on the signal before the weights (and on the learner input when ``map_dropout``).
        map_dropout: apply dropout to the learner input (NSD does from the second layer on).
        use_act: ELU after the diffusion term.
        left_weights, right_weights: learn W1 (D x D, init identity) and W2 (C x C, init orthogonal).
    """

    def __init__(self, *, builder: SheafBuilder | None, stalk_dim: int, hidden_channels: int, dropout: float = 0.0,
                 map_dropout: bool = True, use_act: bool = True, left_weights: bool = True,
                 right_weights: bool = True) -> None:
        super().__init__()
        self.builder = builder
        self.dropout, self.map_dropout, self.use_act = dropout, map_dropout, use_act
        self.left = nn.Parameter(torch.eye(stalk_dim)) if left_weights else None
        self.right = None
        if right_weights:
            self.right = nn.Parameter(torch.empty(hidden_channels, hidden_channels))
            nn.init.orthogonal_(self.right)
        self.epsilon = nn.Parameter(torch.zeros(stalk_dim, 1))

    def laplacian(self, x: Tensor, graph: SheafGraph) -> SheafLaplacian:
        """The sheaf Laplacian learned from ``x [N, D, C]`` (dropout on the learner input)."""
        x_maps = dropout(x, self.dropout, self.training) if self.map_dropout else x
        return self.builder(x_maps, graph)

    def diffusion(self, x: Tensor, laplacian: SheafLaplacian) -> Tensor:
        """``act(L (I (x) W1) x W2)``; shapes: x [N, D, C] -> [N, D, C]."""
        h = dropout(x, self.dropout, self.training)
        n, d, c = h.shape
        if self.left is not None:
            # (I (x) W1) x W2 on the flattened stalks is one [N, D*C] @ [D*C, D*C] GEMM with kron(W1, W2):
            # no transposed copies, and a 2-D matmul batches cleanly under vmap (stacked splits).
            right = self.right if self.right is not None else torch.eye(c, dtype=h.dtype, device=h.device)
            h = (h.reshape(n, d * c) @ torch.kron(self.left, right).t()).view(n, d, c)
        elif self.right is not None:
            h = (h.reshape(n * d, c) @ self.right.t()).view(n, d, c)
        h = laplacian.matmul(h)
        return F.elu(h) if self.use_act else h

    def forward(self, x: Tensor, graph: SheafGraph, laplacian: SheafLaplacian | None = None) -> tuple[Tensor, SheafLaplacian]:
        """Shapes: x [N, D, C] -> ([N, D, C], the Laplacian used, for reuse by later layers)."""
        if self.builder is not None:
            laplacian = self.laplacian(x, graph)
        return (1.0 + torch.tanh(self.epsilon)) * x - self.diffusion(x, laplacian), laplacian
