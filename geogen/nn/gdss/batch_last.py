"""ScoreNetworkA in a feature-first, batch-last layout: one compiled graph for a QM9-size batch.

Why this exists: a QM9 batch is ~1,000 graphs of 9 nodes. In the natural layout (``[B, N, F]``
nodes, ``[B, P, C]`` pairs) every per-graph operation (GCN normalisation, 9 x 9 propagation,
the attention products) is tens of thousands of tiny matrix products, and moving between the
per-graph and the per-pair views costs a copy each time. Here node features are ``[F, N, B]`` and
pair channels ``[C, P, B]``, graphs innermost:

- per-graph operations become elementwise along ``B``, with the loops over nodes, heads and
  head dimensions unrolled, so ``torch.compile`` emits vectorised loops with no intermediates;
- every linear map (projections, node and edge MLPs) is one matrix product with ``B`` or
  ``P * B`` columns, on contiguous memory;
- no layout changes happen between layers.

The whole forward is one compiled graph (its backward too, under autograd). Same maths as
:class:`geogen.nn.gdss.ScoreNetworkA`'s batched path, to float32 rounding (tests compare both).
Compiling costs tens of seconds once per batch shape and is cached on disk, so the network uses
this path only for large batches of small graphs (:func:`batch_last_applies`), and pads the
batch to a few fixed sizes (:func:`padded_batch`) so that ragged last batches do not recompile.
Each network instance and batch size is one compiled entry; past ``torch._dynamo``'s cache
limit (8 by default) the function runs eagerly, with the same results.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.compiled_kernels import CompiledKernels, default_kernels
from geogen.nn.gdss.fused_scores import _saturated_tanh  # clamped: no denormals in the exp

__all__ = ["score_adj_batch_last", "batch_last_applies", "padded_batch", "BATCH_LAST_MIN_BATCH",
           "BATCH_LAST_MAX_NODES"]

# Below this many graphs the compile (tens of seconds the first time) would not pay off, e.g.
# the README's `geogen sample -n 100`; the batched path runs instead.
BATCH_LAST_MIN_BATCH = 256
# [C, N, N, B] intermediates: for larger graphs the dense layout of the batched path is better.
BATCH_LAST_MAX_NODES = 32


def batch_last_applies(x: Tensor) -> bool:
    """Whether a ``[B, N, F]`` input is a large batch of small graphs on the CPU."""
    batch, nodes, _ = x.shape
    return x.device.type == "cpu" and batch >= BATCH_LAST_MIN_BATCH and nodes <= BATCH_LAST_MAX_NODES


def padded_batch(batch: int) -> int:
    """The compiled batch size used for ``batch`` graphs: the next power of two below 1,024,
    the next multiple of 1,024 from there (at most ~2x the work once, ~2 % at 1,000)."""
    if batch >= 1024:
        return -(-batch // 1024) * 1024
    return 1 << (batch - 1).bit_length()


def _upper(dense: Tensor) -> Tensor:
    """The strict upper triangle, row by row. ``[..., N, N, B]`` -> ``[..., P, B]``.

    Under autograd as slices (their gradients are slices too; a gather's gradient is a
    scatter, which compiled ~4x slower than the rest of the backward), otherwise as one gather.
    """
    nodes = dense.shape[-2]
    if torch.is_grad_enabled():
        return torch.cat([dense[..., i, i + 1:, :] for i in range(nodes - 1)], dim=-2)
    rows, cols = torch.triu_indices(nodes, nodes, offset=1, device=dense.device)
    return dense[..., rows, cols, :]


def _symmetric(packed: Tensor, nodes: int, diagonal: float) -> Tensor:
    """The symmetric matrix with upper triangle ``packed`` and ``diagonal`` on the diagonal
    (slices under autograd, one gather otherwise, as :func:`_upper`).

    Shapes:
        packed ``[..., P, B]`` -> ``[..., N, N, B]``.
    """
    lead, batch = packed.shape[:-2], packed.shape[-1]
    if not torch.is_grad_enabled():
        rows, cols = torch.triu_indices(nodes, nodes, offset=1, device=packed.device)
        spread = torch.full((nodes, nodes), rows.numel(), dtype=torch.long, device=packed.device)
        spread[rows, cols] = spread[cols, rows] = torch.arange(rows.numel(), device=packed.device)
        extended = torch.cat([packed, packed.new_full((*lead, 1, batch), diagonal)], dim=-2)
        return extended[..., spread, :]
    rows, start = [], 0
    for i in range(nodes):
        width = nodes - 1 - i
        rows.append(torch.cat([packed.new_zeros(*lead, i, batch), packed.new_full((*lead, 1, batch), diagonal),
                               packed[..., start:start + width, :]], dim=-2))
        start += width
    upper = torch.stack(rows, dim=-3)  # [..., N, N, B], diagonal once, lower triangle zero
    keep = torch.ones(nodes, nodes, dtype=torch.bool, device=packed.device).tril(-1)[:, :, None]
    return upper + torch.where(keep, upper.transpose(-3, -2), torch.zeros_like(upper))


def _propagation(looped: Tensor) -> Tensor:
    """GCN propagation ``D^-1/2 L D^-1/2`` per channel and graph for ``L`` with its self-loops
    set (degrees clamped at 1, as in GDSS's dense GCN). ``[..., N, N, B]`` -> same."""
    degree = looped[..., 0, :]
    for j in range(1, looped.shape[-2]):  # unrolled: vectorised along B
        degree = degree + looped[..., j, :]
    inv_sqrt = degree.clamp(min=1).rsqrt()  # [..., N, B]
    return inv_sqrt[..., :, None, :] * looped * inv_sqrt[..., None, :, :]


def _propagate(propagation: Tensor, x: Tensor) -> Tensor:
    """``sum_k P[c, i, k] x[f, k]`` per graph. ``[C, N, N, B]``, ``[F, N, B]`` -> ``[C, F, N, B]``."""
    out = propagation[:, None, :, 0] * x[None, :, None, 0]
    for k in range(1, x.shape[1]):
        out = out + propagation[:, None, :, k] * x[None, :, None, k]
    return out


def _pair_scores(query: Tensor, key: Tensor, inv_temperature: float) -> Tensor:
    """``sum_h tanh(q_ih . k_jh * s) + (i <-> j)`` on the pairs ``i < j``.

    Shapes:
        query, key ``[C, H, d, N, B]`` -> ``[C, P, B]``.
    """
    _, heads, dim, _, _ = query.shape
    total = None
    for h in range(heads):
        dots = query[:, h, 0, :, None] * key[:, h, 0, None, :]  # [C, N, N, B]
        for e in range(1, dim):
            dots = dots + query[:, h, e, :, None] * key[:, h, e, None, :]
        term = _saturated_tanh(dots * inv_temperature)
        total = term if total is None else total + term
    return _upper(total + total.transpose(1, 2))


def _mlp(mlp: nn.Module, h: Tensor) -> Tensor:
    """A GDSS :class:`~geogen.nn.gdss.mlp.MLP` on columns. ``[in, M]`` -> ``[out, M]``."""
    linears = mlp.linears
    for i, linear in enumerate(linears):
        h = torch.addmm(linear.bias[:, None], linear.weight, h)
        if i < len(linears) - 1:
            h = F.elu(h)
    return h


def _layer(layer: nn.Module, x: Tensor, channels: Tensor, node_mask: Tensor,
           pair_mask: Tensor) -> tuple[Tensor, Tensor]:
    """One :class:`~geogen.nn.gdss.attention.GraphAttentionLayer`, batch-last.

    Shapes:
        x ``[F, N, B]``, channels ``[C, P, B]``, node_mask ``[N, B]``, pair_mask ``[P, B]`` ->
        x_out ``[out_dim, N, B]`` (``x`` itself if the layer has no node path),
        channels_out ``[C_out, P, B]``.
    """
    count, pairs, batch = channels.shape
    nodes = x.shape[1]
    attn, heads = layer.attn_dim, layer.num_heads
    weight = layer.weight.transpose(1, 2)  # [C, W, F]
    bias = layer.bias[:, :, None]  # [C, W, 1]
    propagation = _propagation(_symmetric(channels, nodes, 1.0))  # [C, N, N, B]
    propagated = _propagate(propagation, x).reshape(count, -1, nodes * batch)  # [C, F, N*B]
    qk = torch.bmm(weight[:, : 2 * attn], propagated) + bias[:, : 2 * attn]  # [C, 2A, N*B]
    qk = qk.view(count, 2, heads, attn // heads, nodes, batch)
    attention = _pair_scores(qk[:, 0], qk[:, 1], 1.0 / math.sqrt(layer.out_dim))
    attention = attention * (0.5 / heads)  # [C, P, B]
    if layer.compute_nodes:
        value = torch.bmm(weight[:, 2 * attn:], propagated) + bias[:, 2 * attn:]  # [C, out, N*B]
        hidden = _mlp(layer.node_mlp, value.reshape(-1, nodes * batch)).view(-1, nodes, batch)
        x = torch.tanh(hidden * node_mask)
    edge_in = torch.cat([attention, channels], dim=0).view(2 * count, pairs * batch)
    channels = _mlp(layer.edge_mlp, edge_in).view(-1, pairs, batch) * (2.0 * pair_mask)
    return x, channels


def _score_adj(net: nn.Module, x: Tensor, adj: Tensor, mask: Tensor) -> Tensor:
    """The whole ScoreNetworkA forward, batch-last (compiled as one graph).

    Shapes:
        x ``[F, N, B]``, adj ``[N, N, B]``, mask ``[N, B]`` (float) -> scores ``[N, N, B]``.
    """
    nodes, batch = mask.shape
    pair_mask = _upper(mask[:, None] * mask[None, :])  # [P, B]
    powers = [adj]
    for _ in range(net.c_init - 1):
        powers.append(_propagate(powers[-1][None], adj)[0])  # A^k = A^(k-1) A, per graph
    # symmetrised as symmetric_powers does (matrix products are symmetric only up to rounding)
    channels = torch.stack([0.5 * _upper(p + p.transpose(0, 1)) for p in powers])  # [C, P, B]
    h = x
    collected = [channels]
    for layer in net.layers:
        h, channels = _layer(layer, h, channels, mask, pair_mask)
        collected.append(channels)
    pairs = channels.shape[1]
    score = _mlp(net.final, torch.cat(collected, dim=0).view(-1, pairs * batch)).view(pairs, batch)
    return _symmetric(score * pair_mask, nodes, 0.0)


def score_adj_batch_last(net: nn.Module, x: Tensor, adj: Tensor, mask: Tensor,
                         kernels: CompiledKernels | None = None) -> Tensor:
    """:class:`~geogen.nn.gdss.ScoreNetworkA` ``net`` evaluated batch-last, compiled.

    The batch is zero-padded to :func:`padded_batch` graphs (empty graphs; their scores are
    dropped), so a run compiles once per padded size. With ``kernels`` that do not compile the
    same graph runs eagerly (reference tests).

    Shapes:
        x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]`` -> ``[B, N, N]``.
    """
    kernels = kernels or default_kernels()
    batch, nodes, features = x.shape
    size = padded_batch(batch)
    # batch-last copies made here, eagerly: inside the graph a transposed read would be inlined
    # into every consumer as a strided (unvectorised) gather
    x_last = x.new_zeros(features, nodes, size)
    x_last[..., :batch] = x.permute(2, 1, 0)
    adj_last = adj.new_zeros(nodes, nodes, size)
    adj_last[..., :batch] = adj.permute(1, 2, 0)
    mask_last = x.new_zeros(nodes, size)
    mask_last[:, :batch] = mask.t()
    scores = kernels.run("score_adj_batch_last", _score_adj, net, x_last, adj_last, mask_last, dynamic=False)
    return scores[..., :batch].movedim(-1, 0).contiguous()  # [B, N, N]
