"""Graph multi-head attention over several adjacency channels (GDSS's GMH layer), batched.

GDSS builds one attention module (three dense GCNs for query, key and value) per adjacency
channel and loops over them. Here all channels and all three projections share one weight
tensor and one normalised propagation matrix per channel, and edge quantities are kept packed
as the strict upper triangle (see :class:`PairPacking`), so a layer is a handful of batched
ops; :mod:`geogen.nn.gdss.official` maps the official per-channel weights onto it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from geogen.nn.compiled_kernels import default_kernels
from geogen.nn.gdss.fused_scores import dense_tanh_scores, packed_tanh_scores
from geogen.nn.gdss.dense_ops import PairPacking, gcn_normalize_looped, mask_nodes
from geogen.nn.gdss.mlp import MLP

__all__ = ["GraphAttentionLayer", "FUSED_MIN_BATCH", "DENSE_FUSED_MIN_NODES"]

# Below this many (channel, graph) pairs the batched matmuls are fast enough that compiling the
# fused kernel (seconds, once per process) would not pay off, e.g. for `geogen sample -n 100`.
FUSED_MIN_BATCH = 1024
# Smaller batches of graphs with at least this many nodes (grid, ENZYMES) compute the scores in
# inference with the compiled node-last kernel (:func:`dense_tanh_scores`).
DENSE_FUSED_MIN_NODES = 64


class GraphAttentionLayer(nn.Module):
    """One GMH layer: per-channel GCN attention, then MLPs on node and edge features.

    Args:
        num_linears: depth of the edge MLP.
        in_dim: node feature size ``F``.
        attn_dim: query/key size (split over ``num_heads``).
        out_dim: value size (also the score normaliser ``sqrt(out_dim)``, as in GDSS).
        in_channels: adjacency channels ``C_in``; out_channels: ``C_out``.
        num_heads: attention heads.
        compute_nodes: False skips the value path (the last layer of ScoreNetworkA only
            needs the edge output), which changes no output that is used.
        fused: on the CPU and for at least ``FUSED_MIN_BATCH`` (channel, graph) pairs, compute
            the attention scores with the fused batch-last kernel
            (:mod:`geogen.nn.gdss.fused_scores`); in inference on graphs of at least
            ``DENSE_FUSED_MIN_NODES`` nodes, with the compiled node-last kernel; otherwise
            batched matmuls. Same maths.

    Shapes:
        x ``[B, N, F]``, adj ``[B, P, C_in]`` packed symmetric channels, mask ``[B, N]``,
        pair_mask ``[B, P, 1]`` -> x_out ``[B, N, out_dim]`` (or None), adj_out ``[B, P, C_out]``.
    """

    def __init__(self, *, num_linears: int, in_dim: int, attn_dim: int, out_dim: int,
                 in_channels: int, out_channels: int, num_heads: int = 4,
                 compute_nodes: bool = True, fused: bool = True) -> None:
        super().__init__()
        if attn_dim % num_heads:
            raise ValueError(f"attn_dim {attn_dim} is not divisible by num_heads {num_heads}")
        self.attn_dim, self.out_dim, self.num_heads = attn_dim, out_dim, num_heads
        self.in_channels = in_channels
        self.compute_nodes = compute_nodes
        self.fused = fused
        width = 2 * attn_dim + out_dim
        self.weight = nn.Parameter(torch.empty(in_channels, in_dim, width))
        self.bias = nn.Parameter(torch.zeros(in_channels, width))
        hidden = 2 * max(in_channels, out_channels)
        self.edge_mlp = MLP(num_layers=num_linears, input_dim=2 * in_channels, hidden_dim=hidden,
                            output_dim=out_channels)
        # the last ScoreNetworkA layer's node path feeds nothing: leave it out (no unused
        # parameters, which DDP would reject)
        self.node_mlp = MLP(num_layers=2, input_dim=in_channels * out_dim, hidden_dim=hidden,
                            output_dim=out_dim) if compute_nodes else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Glorot-uniform per projection, as the GDSS GCNs are initialised.
        bound_qk = math.sqrt(6.0 / (self.weight.shape[1] + self.attn_dim))
        bound_v = math.sqrt(6.0 / (self.weight.shape[1] + self.out_dim))
        with torch.no_grad():
            self.weight[..., : 2 * self.attn_dim].uniform_(-bound_qk, bound_qk)
            self.weight[..., 2 * self.attn_dim:].uniform_(-bound_v, bound_v)
            self.bias.zero_()

    def forward(self, x: Tensor, adj: Tensor, mask: Tensor, pairs: PairPacking,
                pair_mask: Tensor) -> tuple[Tensor | None, Tensor]:
        batch, nodes, _ = x.shape
        qk = 2 * self.attn_dim
        weight = self.weight if self.compute_nodes else self.weight[..., :qk]  # [C, F, W]
        bias = self.bias if self.compute_nodes else self.bias[:, :qk]  # [C, W]
        channels = self.in_channels
        # channel-major layout [C, B, ...]: the per-channel weights become one batched matmul
        propagation = gcn_normalize_looped(pairs.unpack_channels_first(adj, diagonal=1.0))  # [C, B, N, N]
        # (P X) W == P (X W): propagate the F input features once per channel, then project
        # q, k and v with one matmul per channel (F < W, so fewer tiny-matrix FLOPs).
        propagated = (propagation @ x).reshape(channels, batch * nodes, -1)  # [C, B*N, F]
        # bmm then add_: baddbmm with a broadcast bias first copies it into the output (~3x slower)
        hidden = torch.bmm(propagated, weight).add_(bias.unsqueeze(1))  # [C, B*N, W]
        hidden = hidden.view(channels, batch, nodes, -1)  # [C, B, N, W]
        widths = [self.attn_dim, self.attn_dim] + ([self.out_dim] if self.compute_nodes else [])
        query, key, *value = hidden.split(widths, dim=-1)  # split: its backward needs no zero-fill
        attention = self._attention(query, key, pairs) * (0.5 / self.num_heads)  # [B, P, C]

        x_out = None
        if self.compute_nodes:
            value = value[0].permute(1, 2, 0, 3).reshape(batch, nodes, -1)  # [B, N, C*out]
            x_out = torch.tanh(mask_nodes(self.node_mlp(value), mask))

        edge_in = torch.cat([attention, adj], dim=-1)  # [B, P, 2C]
        # e(i,j) + e(j,i) = 2 e(i,j): the edge MLP's inputs are symmetric in (i, j)
        adj_out = 2.0 * self.edge_mlp(edge_in) * pair_mask  # [B, P, C_out]
        return x_out, adj_out

    def _attention(self, query: Tensor, key: Tensor, pairs: PairPacking) -> Tensor:
        """Per pair ``sum_h tanh(q_ih . k_jh / sqrt(out)) + (i <-> j)``.

        Shapes:
            query, key ``[C, B, N, attn_dim]`` -> ``[B, P, C]``.
        """
        channels, batch, nodes, _ = query.shape
        heads = (channels * batch, nodes, self.num_heads, self.attn_dim // self.num_heads)
        query = query * (1.0 / math.sqrt(self.out_dim))
        kernels = default_kernels()
        compiled = self.fused and query.device.type == "cpu" and kernels.enabled
        if compiled and channels * batch >= FUSED_MIN_BATCH:
            packed = packed_tanh_scores(query.reshape(heads), key.reshape(heads), pairs.rows, pairs.cols,
                                        kernels)  # [C*B, P]
            # contiguous now: the edge MLP's concat reads a permuted view ~6x slower
            return packed.view(channels, batch, -1).permute(1, 2, 0).contiguous()
        query = query.reshape(heads).transpose(1, 2)  # [C*B, H, N, d]
        key = key.reshape(heads).transpose(1, 2)
        if (compiled and nodes >= DENSE_FUSED_MIN_NODES
                and not (torch.is_grad_enabled() and (query.requires_grad or key.requires_grad))):
            scores = dense_tanh_scores(query, key, kernels)  # [C*B, N, N]
        else:
            scores = torch.tanh(query @ key.transpose(-1, -2)).sum(dim=1)  # [C*B, N, N]
        return pairs.pack_symmetrized(scores.view(channels, batch, nodes, nodes)).contiguous()
