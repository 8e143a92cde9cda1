"""Radius graph in pure torch (PyG's ``radius_graph`` needs ``torch-cluster``, absent here)."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["radius_graph"]

#: Entries of one distance block; bounds memory at ~64 MB of float32 distances.
_BLOCK_ENTRIES = 1 << 24


def radius_graph(pos: Tensor, r: float, batch: Tensor | None = None, loop: bool = False,
                 max_num_neighbors: int | None = None) -> Tensor:
    """All pairs of nodes of the same graph closer than ``r`` (distance ``<= r``).

    Follows PyG's ``flow="source_to_target"`` convention: ``edge_index[0]`` holds the source
    (neighbour) ``j`` and ``edge_index[1]`` the target (centre) ``i``. Edges are sorted by
    target, then source. Distances are computed exactly (no matmul trick) in blocks of
    target rows against the node range of the graphs those rows belong to, so memory stays
    bounded for large graphs and the cost is ``O(sum_b N_b^2)`` for many small ones.

    Args:
        pos: ``[N, D]`` node positions.
        r: cut-off radius.
        batch: ``[N]`` graph index of each node (need not be sorted); ``None`` = one graph.
        loop: include self-loops ``(i, i)``.
        max_num_neighbors: keep at most this many nearest sources per target (``None`` = all;
            note PyG's default is 32).

    Returns:
        ``[2, E]`` long edge index on ``pos``'s device.

    Shapes:
        pos: ``[N, D]``; batch: ``[N]``; output: ``[2, E]``.
    """
    num_nodes = pos.shape[0]
    device = pos.device
    if batch is None:
        batch = torch.zeros(num_nodes, dtype=torch.long, device=device)
    if num_nodes == 0:
        return torch.empty(2, 0, dtype=torch.long, device=device)
    order = None
    if bool((batch[1:] < batch[:-1]).any()):
        order = torch.argsort(batch, stable=True)
        pos, batch = pos[order], batch[order]
    counts = torch.bincount(batch)
    ptr = torch.zeros(counts.numel() + 1, dtype=torch.long, device=device)
    ptr[1:] = counts.cumsum(0)
    largest = int(counts.max())
    rows_per_block = max(1, _BLOCK_ENTRIES // (2 * largest))
    sources, targets = [], []
    for start in range(0, num_nodes, rows_per_block):
        stop = min(num_nodes, start + rows_per_block)
        col_start = int(ptr[batch[start]])
        col_stop = int(ptr[batch[stop - 1] + 1])
        src, dst = _block_edges(pos, batch, start, stop, col_start, col_stop, r, loop,
                                max_num_neighbors)
        sources.append(src)
        targets.append(dst)
    source, target = torch.cat(sources), torch.cat(targets)
    if order is not None:
        source, target = order[source], order[target]
        key = torch.argsort(target * num_nodes + source)
        source, target = source[key], target[key]
    return torch.stack([source, target])


def _block_edges(pos: Tensor, batch: Tensor, start: int, stop: int, col_start: int,
                 col_stop: int, r: float, loop: bool,
                 max_num_neighbors: int | None) -> tuple[Tensor, Tensor]:
    """Edges whose target lies in rows ``[start, stop)``; sources in ``[col_start, col_stop)``."""
    rows = pos[start:stop]  # [R, D]
    cols = pos[col_start:col_stop]  # [C, D]
    dist = (rows.unsqueeze(1) - cols.unsqueeze(0)).square().sum(-1)  # [R, C] squared
    same = batch[start:stop].unsqueeze(1) == batch[col_start:col_stop].unsqueeze(0)  # [R, C]
    keep = same & (dist <= r * r)
    if not loop:
        row_ids = torch.arange(start, stop, device=pos.device).unsqueeze(1)  # [R, 1]
        col_ids = torch.arange(col_start, col_stop, device=pos.device).unsqueeze(0)  # [1, C]
        keep &= row_ids != col_ids
    if max_num_neighbors is not None:
        # rank each candidate among its row's neighbours by distance; keep the nearest k
        masked = torch.where(keep, dist, torch.full_like(dist, float("inf")))
        rank = masked.argsort(dim=1, stable=True).argsort(dim=1)  # [R, C]
        keep &= rank < max_num_neighbors
    target, source = keep.nonzero(as_tuple=True)
    return source + col_start, target + start
