"""Separable PONITA convolution: depth-wise spatial message passing per orientation, then mixing over orientations."""

from __future__ import annotations

import math

import torch
from torch import nn

from geogen.nn.ponita.edges import PairEdges
from geogen.nn.ponita.kernel_messages import spatial_messages

__all__ = ["SeparableConv"]


class SeparableConv(nn.Module):
    """f ↦ Σ_p k_fibre(o·p) ⊙ [Σ_j k_spatial(x_j - x_i, o) ⊙ f_j(o)] / O  + bias.

    Kernels are linear in the shared bases: k_spatial = basis @ W_spatial and
    k_fibre = fibre_basis @ W_fibre, so the bases are sampled once per forward and each layer
    only pays one matrix product. Without a fibre basis (point-cloud variant, O = 1) the
    orientation mixing is skipped.

    Args:
        channels: feature channels C (depth-wise: one kernel per channel).
        basis_dim: number of basis functions K.
        fibre: whether to mix over orientations.
        edge_chunk_size: if set, messages are computed in chunks of this many edges and the
            per-edge kernels are recomputed in the backward pass (memory ~ chunk, not E·O·C).

    Shapes:
        x: [N, O, C]; basis: [E_canonical, O, K]; fibre_basis: [O, O, K]; output: [N, O, C]
    """

    def __init__(self, *, channels: int, basis_dim: int, fibre: bool, edge_chunk_size: int | None = None) -> None:
        super().__init__()
        self.spatial = nn.Parameter(torch.randn(basis_dim, channels) / math.sqrt(basis_dim))
        self.fibre = nn.Parameter(torch.randn(basis_dim, channels) / math.sqrt(basis_dim)) if fibre else None
        self.bias = nn.Parameter(torch.zeros(channels))
        self.edge_chunk_size = edge_chunk_size

    def forward(self, x: torch.Tensor, basis: torch.Tensor, fibre_basis: torch.Tensor | None,
                edges: PairEdges, sigma: torch.Tensor | None) -> torch.Tensor:
        out = spatial_messages(x, basis, self.spatial, edges, sigma, self.edge_chunk_size)  # [N, O, C]
        if self.fibre is not None:
            kernel = fibre_basis @ self.fibre  # [O, P, C]
            # channel-wise mixing over orientations: [C, N, O] @ [C, O, P] -> [C, N, P]
            out = torch.bmm(out.permute(2, 0, 1), kernel.permute(2, 0, 1)).permute(1, 2, 0) / kernel.shape[0]
        return out + self.bias
