"""Separable PONITA convolution: depth-wise spatial message passing per orientation, then mixing over orientations."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.kernel_messages import MessagePlan, spatial_messages

__all__ = ["SeparableConv"]


class _MixOrientations(torch.autograd.Function):
    """out[n, p, c] = Σ_o x[n, o, c] k[o, p, c] as a channel-batched matmul on contiguous copies.

    Batched matmuls on strided (permuted) operands, which autograd would produce in backward,
    are an order of magnitude slower on CPU, hence the explicit backward.
    """

    @staticmethod
    def forward(ctx, x, kernel):
        x_c = x.permute(2, 0, 1).contiguous()  # [C, N, O]
        kernel_c = kernel.permute(2, 0, 1).contiguous()  # [C, O, P]
        ctx.save_for_backward(x_c, kernel_c)
        return torch.bmm(x_c, kernel_c).permute(1, 2, 0).contiguous()  # [N, P, C]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x_c, kernel_c = ctx.saved_tensors
        grad_c = grad.permute(2, 0, 1).contiguous()  # [C, N, P]
        grad_x = torch.bmm(grad_c, kernel_c.transpose(1, 2).contiguous()).permute(1, 2, 0)  # [N, O, C]
        grad_kernel = torch.bmm(x_c.transpose(1, 2).contiguous(), grad_c).permute(1, 2, 0)  # [O, P, C]
        return grad_x, grad_kernel


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
        kernel_dtype: precision of the spatial kernel GEMMs (e.g. ``torch.bfloat16``; see
            :func:`~geogen.nn.ponita.kernel_messages.spatial_messages`); None = the input's.

    Shapes:
        x: [N, O, C]; basis: [E_canonical, O, K]; loop_basis: [K]; fibre_basis: [O, O, K];
        output: [N, O, C]
    """

    def __init__(self, *, channels: int, basis_dim: int, fibre: bool, edge_chunk_size: int | None = None,
                 kernel_dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.spatial = nn.Parameter(torch.randn(basis_dim, channels) / math.sqrt(basis_dim))
        self.fibre = nn.Parameter(torch.randn(basis_dim, channels) / math.sqrt(basis_dim)) if fibre else None
        self.bias = nn.Parameter(torch.zeros(channels))
        self.edge_chunk_size = edge_chunk_size
        self.kernel_dtype = kernel_dtype

    def forward(self, x: torch.Tensor, basis: torch.Tensor, loop_basis: torch.Tensor | None,
                fibre_basis: torch.Tensor | None, plan: MessagePlan) -> torch.Tensor:
        out = spatial_messages(x, basis, loop_basis, self.spatial, plan, self.edge_chunk_size,
                               self.kernel_dtype)  # [N, O, C]
        if self.fibre is not None:
            kernel = fibre_basis @ self.fibre  # [O, P, C]
            out = _MixOrientations.apply(out, kernel) / kernel.shape[0]  # [N, P, C]
        return out + self.bias
