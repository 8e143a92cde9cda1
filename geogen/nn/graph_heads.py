"""Score heads that turn any dense-graph backbone into GDSS's two networks.

A dense-graph backbone maps ``(x [B, N, F], adj [B, N, N], mask [B, N], cond [B, K])`` to node
features ``[B, N, H]`` (sheaf diffusion, PPGN, ...). :class:`NodeScoreHead` and
:class:`EdgeScoreHead` give it the call signature of ScoreNetworkX / ScoreNetworkA,
``(x, adj, mask, t) -> [B, N, F]`` / ``[B, N, N]``, with the time fed to the backbone as a
sinusoidal conditioning vector, so GDSS trains and samples with it unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["TimeEmbedding", "NodeScoreHead", "EdgeScoreHead"]


class TimeEmbedding(nn.Module):
    """Sinusoidal features of ``t [B]`` -> ``[B, dim]`` (dim even)."""

    def __init__(self, dim: int, max_period: float = 1000.0) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"TimeEmbedding needs an even dim, got {dim}")
        frequencies = torch.exp(-math.log(max_period) * torch.arange(dim // 2) / (dim // 2))
        self.register_buffer("frequencies", frequencies, persistent=False)

    def forward(self, t: Tensor) -> Tensor:
        angles = (t * 1000.0).unsqueeze(-1) * self.frequencies.to(t.dtype)  # [B, dim/2]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _time_condition(embedding: TimeEmbedding, t: Tensor | None, like: Tensor) -> Tensor | None:
    if t is None:
        return None
    return embedding(t.to(like.dtype).expand(like.shape[0]))


class NodeScoreHead(nn.Module):
    """Backbone node features -> node-feature score (the ScoreNetworkX slot).

    Args:
        backbone: ``backbone(x, adj, mask, cond) -> [B, N, H]`` with ``cond_channels=time_dim``.
        hidden_dim: ``H``; num_features: ``F``; time_dim: width of the time conditioning.

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]``, t ``[B]`` -> ``[B, N, F]``, zero on
        padded nodes.
    """

    def __init__(self, *, backbone: nn.Module, hidden_dim: int, num_features: int,
                 time_dim: int = 16) -> None:
        super().__init__()
        self.backbone = backbone
        self.time = TimeEmbedding(time_dim)
        self.out = nn.Sequential(nn.Linear(hidden_dim + num_features, hidden_dim), nn.SiLU(),
                                 nn.Linear(hidden_dim, num_features))

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, t: Tensor | None = None) -> Tensor:
        h = self.backbone(x, adj, mask, _time_condition(self.time, t, x))  # [B, N, H]
        return self.out(torch.cat([h, x], dim=-1)) * mask.unsqueeze(-1).to(x.dtype)


class EdgeScoreHead(nn.Module):
    """Backbone node features -> symmetric edge score (the ScoreNetworkA slot).

    The pair feature ``[h_i + h_j, h_i * h_j, adj_ij]`` is symmetric in ``(i, j)``, so the score
    is symmetric by construction; the diagonal and padded rows/columns are zeroed.

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]``, t ``[B]`` -> ``[B, N, N]``.
    """

    def __init__(self, *, backbone: nn.Module, hidden_dim: int, time_dim: int = 16) -> None:
        super().__init__()
        self.backbone = backbone
        self.time = TimeEmbedding(time_dim)
        self.out = nn.Sequential(nn.Linear(2 * hidden_dim + 1, hidden_dim), nn.SiLU(),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, t: Tensor | None = None) -> Tensor:
        h = self.backbone(x, adj, mask, _time_condition(self.time, t, x))  # [B, N, H]
        h_i, h_j = h.unsqueeze(2), h.unsqueeze(1)  # [B, N, 1, H], [B, 1, N, H]
        pair = torch.cat([(h_i + h_j), h_i * h_j, adj.unsqueeze(-1)], dim=-1)  # [B, N, N, 2H+1]
        score = self.out(pair).squeeze(-1)  # [B, N, N]
        score = 0.5 * (score + score.transpose(1, 2))  # exact symmetry despite rounding
        m = mask.to(score.dtype)
        eye = torch.eye(score.shape[-1], dtype=torch.bool, device=score.device)
        return score.masked_fill(eye, 0.0) * m.unsqueeze(1) * m.unsqueeze(2)
