"""ConvNeXt block around a PONITA convolution, with optional adaptive-norm conditioning."""

from __future__ import annotations

import torch
from torch import nn

from geogen.nn.ponita.conv import SeparableConv
from geogen.nn.ponita.kernel_messages import MessagePlan
from geogen.nn.ponita.pointwise_mlp import gelu_mlp

__all__ = ["ConvNeXtBlock"]


class ConvNeXtBlock(nn.Module):
    """x + γ ⊙ Linear(GELU(Linear(modulate(LayerNorm(conv(x)), cond)))).

    Args:
        channels: feature channels C.
        basis_dim: number of kernel basis functions.
        fibre: mix over orientations inside the convolution.
        widening_factor: hidden width of the point-wise MLP is ``widening_factor * C``.
        layer_scale: initial γ (None = no layer scale).
        cond_channels: width of the conditioning vector (0 = none); it produces a per-node
            scale and shift of the normalised features (zero-initialised, so an untrained
            conditioning path leaves the block unchanged).
        edge_chunk_size: see :class:`SeparableConv`; when set, the point-wise MLP also runs
            memory-light (its hidden activations are recomputed in backward).
        mlp_dtype: if set (e.g. ``torch.bfloat16``), the point-wise MLP — most of the block's
            FLOPs — runs under autocast to this dtype; the convolution, norms and residual
            stream stay in the input's dtype. None = no mixed precision.
        kernel_dtype: precision of the convolution's kernel GEMMs (see :class:`SeparableConv`).

    Shapes:
        x: [N, O, C]; basis, loop_basis, fibre_basis: see :class:`SeparableConv`; cond: [N, cond_channels];
        output: [N, O, C]
    """

    def __init__(self, *, channels: int, basis_dim: int, fibre: bool, widening_factor: int = 4,
                 layer_scale: float | None = None, cond_channels: int = 0,
                 edge_chunk_size: int | None = None, mlp_dtype: torch.dtype | None = None,
                 kernel_dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.conv = SeparableConv(channels=channels, basis_dim=basis_dim, fibre=fibre, edge_chunk_size=edge_chunk_size,
                                  kernel_dtype=kernel_dtype)
        self.norm = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(nn.Linear(channels, widening_factor * channels), nn.GELU(),
                                 nn.Linear(widening_factor * channels, channels))
        self.memory_light = edge_chunk_size is not None
        self.mlp_dtype = mlp_dtype
        self.layer_scale = nn.Parameter(torch.full((channels,), layer_scale)) if layer_scale else None
        self.modulation = nn.Linear(cond_channels, 2 * channels) if cond_channels else None
        if self.modulation is not None:
            nn.init.zeros_(self.modulation.weight)
            nn.init.zeros_(self.modulation.bias)

    def forward(self, x: torch.Tensor, basis: torch.Tensor, loop_basis: torch.Tensor | None,
                fibre_basis: torch.Tensor | None, plan: MessagePlan, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm(self.conv(x, basis, loop_basis, fibre_basis, plan))
        if self.modulation is not None and cond is not None:
            scale, shift = self.modulation(cond).unsqueeze(1).chunk(2, dim=-1)  # each [N, 1, C]
            h = h * (1 + scale) + shift
        if self.memory_light:  # explicit precision; scratch buffers shared by the blocks
            h = gelu_mlp(h, self.mlp[0], self.mlp[2], dtype=self.mlp_dtype, workspace=plan.workspace).to(x.dtype)
        elif self.mlp_dtype is None:
            h = self.mlp(h)
        else:
            with torch.autocast(h.device.type, dtype=self.mlp_dtype):
                h = self.mlp(h).to(x.dtype)
        if self.layer_scale is not None:
            h = h * self.layer_scale
        return x + h
