"""PONITA as a diffusion denoiser: time-conditioned, equivariant position head, invariant feature head."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import torch
from torch import nn

from geogen.nn.ponita.model import PONITA

__all__ = ["PonitaDenoiser", "DenoiserOutput", "sinusoidal_embedding"]


def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Transformer-style embedding of diffusion times in [0, 1] (scaled by 1000 so that the low
    frequencies resolve small time steps).

    Shapes:
        t: [B]; output: [B, dim]
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=t.dtype) / half)
    angles = 1000.0 * t[:, None] * freqs[None]  # [B, half]
    emb = torch.cat([angles.sin(), angles.cos()], dim=-1)
    return torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1) if dim % 2 else emb


@dataclass
class DenoiserOutput:
    """``pos``: equivariant prediction shaped like the state's positions (ε or score, as the
    method parameterises it), with per-graph mean removed when ``remove_mean``; ``h``: invariant
    feature prediction. Unpacks as ``pos, h``.

    Shapes:
        pos: [N, 3] or [N, T, 3]; h: [N, out_channels]
    """

    pos: torch.Tensor
    h: torch.Tensor

    def __iter__(self) -> Iterator[torch.Tensor]:
        return iter((self.pos, self.h))


class PonitaDenoiser(nn.Module):
    """Wrap :class:`PONITA` for point-cloud states (``pos [N, 3]``) and trajectory states
    (``pos [N, T, 3]``) alike: each node sits at its mean position over frames and carries its
    frame offsets as vector inputs; T vector outputs give the per-frame prediction. The time
    enters twice: as a scalar input feature and, embedded, as the blocks' conditioning.

    Args:
        feature_dim: invariant node features F of the state (``h``).
        num_frames: T (1 for point clouds).
        out_channels: invariant outputs (default F: a feature head for joint diffusion).
        hidden_dim, num_layers, num_ori, radius, basis_dim, degree, widening_factor,
        layer_scale: PONITA settings.
        time_dim: width of the time embedding.
        context_vector_channels: extra equivariant inputs per node (e.g. conditioning frames
            relative to the node's position), passed as ``context`` [N, C, 3].
        remove_mean: project position outputs onto the zero centre-of-mass subspace per graph.
        edge_chunk_size, mlp_dtype, kernel_dtype: PONITA's memory-light path and reduced
            precision of its point-wise MLPs and kernel GEMMs.

    Shapes:
        state.h: [N, F]; state.pos: [N, 3] or [N, T, 3]; t: [B]; context: [N, C, 3]
    """

    def __init__(self, *, feature_dim: int, hidden_dim: int, num_layers: int, num_frames: int = 1,
                 out_channels: int | None = None, num_ori: int = 16, radius: float | None = None,
                 basis_dim: int | None = None, degree: int = 3, widening_factor: int = 4,
                 layer_scale: float | None = None, time_dim: int = 64, context_vector_channels: int = 0,
                 remove_mean: bool = True, edge_chunk_size: int | None = None,
                 mlp_dtype: torch.dtype | str | None = None, kernel_dtype: torch.dtype | str | None = None) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.remove_mean = remove_mean
        self.num_frames = num_frames
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, hidden_dim), nn.SiLU(), nn.Linear(hidden_dim, hidden_dim))
        vector_inputs = (num_frames if num_frames > 1 else 0) + context_vector_channels
        self.backbone = PONITA(in_channels=feature_dim + 1, hidden_dim=hidden_dim,
                               out_channels=feature_dim if out_channels is None else out_channels,
                               out_vector_channels=num_frames, num_layers=num_layers, num_ori=num_ori, radius=radius,
                               in_vector_channels=vector_inputs, basis_dim=basis_dim, degree=degree,
                               widening_factor=widening_factor, layer_scale=layer_scale, cond_channels=hidden_dim,
                               edge_chunk_size=edge_chunk_size, mlp_dtype=mlp_dtype,
                               kernel_dtype=kernel_dtype)

    def forward(self, state, t: torch.Tensor, context: torch.Tensor | None = None) -> DenoiserOutput:
        from torch_geometric.data import Data

        frames = state.pos.reshape(state.pos.shape[0], -1, 3)  # [N, T, 3]
        base = frames.mean(dim=1)  # [N, 3]
        vectors = [frames - base[:, None]] if frames.shape[1] > 1 else []
        if context is not None:
            vectors.append(context)
        t_node = t[state.batch]  # [N]
        data = Data(pos=base, x=torch.cat([state.h, t_node[:, None]], dim=-1), batch=state.batch,
                    vec=torch.cat(vectors, dim=1) if vectors else None)
        cond = self.time_mlp(sinusoidal_embedding(t, self.time_dim))[state.batch]  # [N, hidden]
        h_out, v_out = self.backbone(data, cond=cond)  # [N, F'], [N, T, 3]
        if self.remove_mean:
            v_out = v_out - _graph_mean(v_out, state.batch, state.num_graphs)[state.batch]
        return DenoiserOutput(v_out.reshape(state.pos.shape), h_out)


def _graph_mean(values: torch.Tensor, batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
    """Per-graph mean over nodes. Shapes: [N, ...] -> [B, ...]."""
    flat = values.reshape(values.shape[0], -1)
    sums = flat.new_zeros(num_graphs, flat.shape[1]).index_add_(0, batch, flat)
    counts = torch.bincount(batch, minlength=num_graphs).clamp_min(1).to(flat.dtype)
    return (sums / counts[:, None]).reshape(num_graphs, *values.shape[1:])
