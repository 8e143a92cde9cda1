"""GDSS's adjacency score network: GMH attention layers over powers of the noisy adjacency."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from geogen.nn.compiled_kernels import default_kernels
from geogen.nn.gdss.attention import GraphAttentionLayer
from geogen.nn.gdss.batch_last import batch_last_applies, score_adj_batch_last
from geogen.nn.gdss.dense_ops import pair_packing, symmetric_powers
from geogen.nn.gdss.mlp import MLP

__all__ = ["ScoreNetworkA"]


class ScoreNetworkA(nn.Module):
    """Channels ``[A, A^2, ...]`` refined by ``num_layers`` GMH layers; every layer's channels are
    concatenated and an MLP maps them to one symmetric edge score.

    Args:
        num_features: node feature size ``F``.
        hidden_dim: GCN/value width (``nhid``); attn_dim: query/key width after layer 0 (``adim``).
        num_layers: GMH layers; num_linears: depth of each layer's edge MLP.
        c_init: adjacency powers fed in; c_hid: hidden channels; c_final: last layer's channels.
        num_heads: attention heads.
        batch_last: for large batches of small graphs on the CPU, evaluate the whole network
            as one compiled graph in a batch-last layout (:mod:`geogen.nn.gdss.batch_last`);
            False always takes the batched path. Same maths.

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]`` -> ``[B, N, N]``, symmetric, zero on
        the diagonal and on padded rows/columns. ``t`` is accepted and ignored.
    """

    def __init__(self, *, num_features: int, hidden_dim: int, attn_dim: int, num_layers: int,
                 num_linears: int, c_init: int, c_hid: int, c_final: int, num_heads: int = 4,
                 batch_last: bool = True) -> None:
        super().__init__()
        self.c_init = c_init
        self.batch_last = batch_last
        channels = [c_init] + [c_hid] * (num_layers - 1) + [c_final]
        self.layers = nn.ModuleList(
            GraphAttentionLayer(num_linears=num_linears, in_dim=num_features if i == 0 else hidden_dim,
                                attn_dim=hidden_dim if i == 0 else attn_dim, out_dim=hidden_dim,
                                in_channels=channels[i], out_channels=channels[i + 1],
                                num_heads=num_heads, compute_nodes=i < num_layers - 1)
            for i in range(num_layers))
        total = sum(channels)
        self.final = MLP(num_layers=3, input_dim=total, hidden_dim=2 * total, output_dim=1)

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, t: Tensor | None = None) -> Tensor:
        if self.batch_last and batch_last_applies(x) and default_kernels().enabled:
            return score_adj_batch_last(self, x, adj, mask)
        pairs = pair_packing(adj.shape[-1], adj)
        pair_mask = pairs.pair_mask(mask)  # [B, P, 1]
        channels = pairs.pack(symmetric_powers(adj, self.c_init))  # [B, P, c_init]
        collected = [channels]
        for layer in self.layers:
            x, channels = layer(x, channels, mask, pairs, pair_mask)
            collected.append(channels)
        score = self.final(torch.cat(collected, dim=-1)) * pair_mask  # [B, P, 1]
        return pairs.unpack(score).squeeze(1)  # [B, N, N]
