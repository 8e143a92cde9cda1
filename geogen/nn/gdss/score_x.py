"""GDSS's node-feature score networks: ScoreNetworkX (dense GCN) and its GMH variant."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from geogen.nn.gdss.attention import GraphAttentionLayer
from geogen.nn.gdss.dense_ops import pair_packing, gcn_normalize, mask_nodes, symmetric_powers
from geogen.nn.gdss.mlp import MLP

__all__ = ["ScoreNetworkX", "ScoreNetworkXGMH"]


class ScoreNetworkX(nn.Module):
    """Stacked dense GCNs (tanh), all hidden states concatenated, then a 3-layer MLP.

    Args:
        num_features: node feature size ``F`` (input and output).
        depth: number of GCN layers.
        hidden_dim: GCN width.

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]`` -> ``[B, N, F]`` (zero on padding).
        ``t`` is accepted and ignored: GDSS's networks are not time-conditioned.
    """

    def __init__(self, *, num_features: int, depth: int, hidden_dim: int) -> None:
        super().__init__()
        dims = [num_features] + [hidden_dim] * depth
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(a, b)) for a, b in zip(dims[:-1], dims[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(b)) for b in dims[1:])
        total = num_features + depth * hidden_dim
        self.final = MLP(num_layers=3, input_dim=total, hidden_dim=2 * total, output_dim=num_features)
        for weight in self.weights:
            bound = math.sqrt(6.0 / (weight.shape[0] + weight.shape[1]))
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, t: Tensor | None = None) -> Tensor:
        propagation = gcn_normalize(adj)  # [B, N, N]
        hidden = [x]
        for weight, bias in zip(self.weights, self.biases):
            x = torch.tanh(propagation @ (x @ weight) + bias)  # [B, N, H]
            hidden.append(x)
        return mask_nodes(self.final(torch.cat(hidden, dim=-1)), mask)


class ScoreNetworkXGMH(nn.Module):
    """Node score network built from GMH attention layers over adjacency powers (GDSS ZINC v2).

    Args:
        num_features, depth, hidden_dim: as :class:`ScoreNetworkX`.
        num_linears, c_init, c_hid, c_final, attn_dim, num_heads: as :class:`ScoreNetworkA`.

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]`` -> ``[B, N, F]``.
    """

    def __init__(self, *, num_features: int, depth: int, hidden_dim: int, num_linears: int,
                 c_init: int, c_hid: int, c_final: int, attn_dim: int, num_heads: int = 4) -> None:
        super().__init__()
        self.c_init = c_init
        channels = [c_init] + [c_hid] * (depth - 1) + [c_final]
        self.layers = nn.ModuleList(
            GraphAttentionLayer(num_linears=num_linears, in_dim=num_features if i == 0 else hidden_dim,
                                attn_dim=hidden_dim if i == 0 else attn_dim, out_dim=hidden_dim,
                                in_channels=channels[i], out_channels=channels[i + 1], num_heads=num_heads)
            for i in range(depth))
        total = num_features + depth * hidden_dim
        self.final = MLP(num_layers=3, input_dim=total, hidden_dim=2 * total, output_dim=num_features)

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, t: Tensor | None = None) -> Tensor:
        pairs = pair_packing(adj.shape[-1], adj)
        pair_mask = pairs.pair_mask(mask)  # [B, P, 1]
        channels = pairs.pack(symmetric_powers(adj, self.c_init))  # [B, P, c_init]
        hidden = [x]
        for layer in self.layers:
            x, channels = layer(x, channels, mask, pairs, pair_mask)
            x = torch.tanh(x)  # GDSS applies tanh again on top of the layer's own tanh
            hidden.append(x)
        return mask_nodes(self.final(torch.cat(hidden, dim=-1)), mask)
