"""Dense-graph operations shared by the GDSS score networks."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["gcn_normalize", "adjacency_powers", "mask_nodes", "mask_pairs", "PairPacking", "IndexPairPacking",
           "pair_packing", "symmetric_powers", "gcn_normalize_looped"]


def gcn_normalize(adj: Tensor) -> Tensor:
    """GCN propagation matrix with self-loops *set* to one: ``D^-1/2 (A with diag 1) D^-1/2``.

    Degrees are row sums clamped at 1, as in GDSS's dense GCN (so the official weights apply).

    Shapes:
        adj: ``[..., N, N]`` -> ``[..., N, N]``.
    """
    eye = torch.eye(adj.shape[-1], dtype=torch.bool, device=adj.device)
    looped = adj.masked_fill(eye, 1.0)  # [..., N, N]
    inv_sqrt = looped.sum(dim=-1).clamp(min=1).pow(-0.5)  # [..., N]
    return inv_sqrt.unsqueeze(-1) * looped * inv_sqrt.unsqueeze(-2)


def adjacency_powers(adj: Tensor, num_powers: int) -> Tensor:
    """``[A, A^2, ..., A^k]`` stacked as channels.

    Shapes:
        adj: ``[B, N, N]`` -> ``[B, k, N, N]``.
    """
    powers = [adj]
    for _ in range(num_powers - 1):
        powers.append(powers[-1] @ adj)
    return torch.stack(powers, dim=1)


def mask_nodes(x: Tensor, mask: Tensor) -> Tensor:
    """Zero the features of padded nodes. ``x [B, N, F]``, ``mask [B, N]``."""
    return x * mask.unsqueeze(-1).to(x.dtype)


def mask_pairs(adj: Tensor, mask: Tensor) -> Tensor:
    """Zero rows and columns of padded nodes; ``adj [B, N, N]`` or ``[B, C, N, N]``."""
    m = mask.to(adj.dtype)
    if adj.dim() == 4:
        m = m.unsqueeze(1)  # [B, 1, N]
    return adj * m.unsqueeze(-1) * m.unsqueeze(-2)


class PairPacking:
    """Maps between dense ``[B, C, N, N]`` symmetric tensors and their strict upper triangle.

    The GDSS edge MLPs act on each node pair independently and their outputs are symmetrised,
    so for symmetric inputs it suffices to evaluate them on the ``P = N(N-1)/2`` pairs ``i < j``.
    The diagonal never reaches the networks' outputs (the GCNs overwrite it with self-loops and
    the final score zeroes it), so packed tensors drop it. Packing and unpacking are products
    with fixed 0/1 matrices: one BLAS call each way, forward and backward, instead of gathers.

    Args:
        num_nodes: ``N``.
        like: a tensor whose dtype and device the maps take.
    """

    def __init__(self, num_nodes: int, like: Tensor) -> None:
        rows, cols = torch.triu_indices(num_nodes, num_nodes, offset=1, device=like.device)
        self.num_nodes = num_nodes
        self.num_pairs = rows.numel()
        self.rows, self.cols = rows, cols  # [P] each: the pairs (i, j), i < j
        pair_ids = torch.arange(self.num_pairs, device=like.device)
        select = torch.zeros(num_nodes * num_nodes, self.num_pairs, dtype=like.dtype, device=like.device)
        select[rows * num_nodes + cols, pair_ids] = 1.0
        self._select = select  # [N*N, P]: dense -> upper triangle
        spread = select.clone()
        spread[cols * num_nodes + rows, pair_ids] = 1.0
        self._spread = spread.t().contiguous()  # [P, N*N]: both triangles
        self._spread_t = spread  # [N*N, P]: (i, j) + (j, i) -> pair
        self._eye = torch.eye(num_nodes, dtype=like.dtype, device=like.device).flatten()  # [N*N]

    def pack(self, dense: Tensor) -> Tensor:
        """``[B, C, N, N] -> [B, P, C]`` (upper-triangle entries)."""
        return (dense.flatten(-2) @ self._select).transpose(1, 2).contiguous()

    def unpack(self, packed: Tensor, diagonal: float = 0.0) -> Tensor:
        """``[B, P, C] -> [B, C, N, N]``, symmetric, with ``diagonal`` on the diagonal."""
        batch, _, channels = packed.shape
        dense = packed.transpose(1, 2) @ self._spread  # [B, C, N*N]
        if diagonal:
            dense = dense + diagonal * self._eye
        return dense.view(batch, channels, self.num_nodes, self.num_nodes)

    def unpack_channels_first(self, packed: Tensor, diagonal: float = 0.0) -> Tensor:
        """``[B, P, C] -> [C, B, N, N]``, symmetric, with ``diagonal`` on the diagonal."""
        batch, _, channels = packed.shape
        dense = packed.permute(2, 0, 1) @ self._spread  # [C, B, N*N]
        if diagonal:
            dense = dense + diagonal * self._eye
        return dense.view(channels, batch, self.num_nodes, self.num_nodes)

    def pack_symmetrized(self, dense: Tensor) -> Tensor:
        """``S [C, B, N, N] -> (S + S^T)`` on the upper triangle, as ``[B, P, C]``."""
        both = dense.flatten(-2) @ self._spread_t  # [C, B, P]
        return both.permute(1, 2, 0)

    def pair_mask(self, mask: Tensor) -> Tensor:
        """``[B, N]`` node mask -> ``[B, P, 1]`` float mask of pairs of real nodes."""
        m = mask.to(self._select.dtype)
        pair = (m.unsqueeze(2) * m.unsqueeze(1)).flatten(1) @ self._select  # [B, P]
        return pair.unsqueeze(-1)


def _select_last(x: Tensor, index: Tensor) -> Tensor:
    """``x.index_select(-1, index)`` computed on a 2-D view: CPU ``index_select`` along the last
    dimension of a 3-D tensor is ~18x slower than of the same data as 2-D (torch 2.x, measured at
    ``[8, 1, 31126]``), which made the gathers a third of a grid-size ScoreNetworkA call.

    Shapes:
        x ``[..., M]``, index ``[K]`` -> ``[..., K]``.
    """
    lead = x.shape[:-1]
    return x.reshape(-1, x.shape[-1]).index_select(1, index).view(*lead, index.numel())


class IndexPairPacking:
    """:class:`PairPacking` by index gathers: memory linear in ``N^2`` (the 0/1 matrices of
    :class:`PairPacking` are ``[N^2, P]``, 34 GB at the grid dataset's N = 361).

    Args:
        num_nodes: ``N``.
        like: a tensor whose device the index vectors (and dtype the pair mask) take.
    """

    def __init__(self, num_nodes: int, like: Tensor) -> None:
        rows, cols = torch.triu_indices(num_nodes, num_nodes, offset=1, device=like.device)
        self.num_nodes = num_nodes
        self.num_pairs = rows.numel()
        self.rows, self.cols = rows, cols  # [P] each: the pairs (i, j), i < j
        self._dtype = like.dtype
        self._upper = rows * num_nodes + cols  # [P] flat (i, j)
        self._lower = cols * num_nodes + rows  # [P] flat (j, i)
        # flat (i, j) -> slot of a packed vector extended by one diagonal slot at index P
        spread = torch.full((num_nodes * num_nodes,), self.num_pairs, dtype=torch.long, device=like.device)
        pair_ids = torch.arange(self.num_pairs, device=like.device)
        spread[self._upper] = pair_ids
        spread[self._lower] = pair_ids
        self._spread = spread  # [N*N]

    def pack(self, dense: Tensor) -> Tensor:
        """``[B, C, N, N] -> [B, P, C]`` (upper-triangle entries)."""
        return _select_last(dense.flatten(-2), self._upper).transpose(1, 2).contiguous()

    def _spread_last(self, packed_last: Tensor, diagonal: float) -> Tensor:
        """``[..., P] -> [..., N*N]`` with both triangles and ``diagonal`` on the diagonal."""
        diag = packed_last.new_full((*packed_last.shape[:-1], 1), diagonal)
        return _select_last(torch.cat([packed_last, diag], dim=-1), self._spread)

    def unpack(self, packed: Tensor, diagonal: float = 0.0) -> Tensor:
        """``[B, P, C] -> [B, C, N, N]``, symmetric, with ``diagonal`` on the diagonal."""
        batch, _, channels = packed.shape
        dense = self._spread_last(packed.transpose(1, 2), diagonal)
        return dense.view(batch, channels, self.num_nodes, self.num_nodes)

    def unpack_channels_first(self, packed: Tensor, diagonal: float = 0.0) -> Tensor:
        """``[B, P, C] -> [C, B, N, N]``, symmetric, with ``diagonal`` on the diagonal."""
        batch, _, channels = packed.shape
        dense = self._spread_last(packed.permute(2, 0, 1), diagonal)
        return dense.view(channels, batch, self.num_nodes, self.num_nodes)

    def pack_symmetrized(self, dense: Tensor) -> Tensor:
        """``S [C, B, N, N] -> (S + S^T)`` on the upper triangle, as ``[B, P, C]``."""
        flat = dense.flatten(-2)
        both = _select_last(flat, self._upper).add_(_select_last(flat, self._lower))  # [C, B, P]
        return both.permute(1, 2, 0)

    def pair_mask(self, mask: Tensor) -> Tensor:
        """``[B, N]`` node mask -> ``[B, P, 1]`` float mask of pairs of real nodes."""
        m = mask.to(self._dtype)
        return (m.index_select(1, self.rows) * m.index_select(1, self.cols)).unsqueeze(-1)


# Above this many nodes the 0/1 matrices of PairPacking (N^2 x N(N-1)/2) cost more memory and
# time than index gathers (ENZYMES, N = 125: 9.3 s vs 0.28 s per forward of both networks).
MATMUL_PACKING_MAX_NODES = 32


def pair_packing(num_nodes: int, like: Tensor) -> PairPacking | IndexPairPacking:
    """The pair packing suited to ``num_nodes``: 0/1 matmuls for small graphs, gathers above."""
    if num_nodes <= MATMUL_PACKING_MAX_NODES:
        return PairPacking(num_nodes, like)
    return IndexPairPacking(num_nodes, like)


def gcn_normalize_looped(looped: Tensor) -> Tensor:
    """:func:`gcn_normalize` for an adjacency whose diagonal is already one."""
    inv_sqrt = looped.sum(dim=-1).clamp(min=1).pow(-0.5)  # [..., N]
    return inv_sqrt.unsqueeze(-1) * looped * inv_sqrt.unsqueeze(-2)


def symmetric_powers(adj: Tensor, num_powers: int) -> Tensor:
    """:func:`adjacency_powers` made exactly symmetric (matrix products are only up to rounding).

    Shapes:
        adj: ``[B, N, N]`` symmetric -> ``[B, k, N, N]``.
    """
    powers = adjacency_powers(adj, num_powers)
    return 0.5 * (powers + powers.transpose(-1, -2))
