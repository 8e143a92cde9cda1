"""Edge sets for PONITA's message passing, stored once per unordered pair where the kernel allows it."""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["PairEdges", "fully_connected_pairs", "pairs_from_symmetric", "pairs_from_directed"]


@dataclass
class PairEdges:
    """Directed edges ``src -> dst`` plus, where ``has_reverse``, the reversed edge ``dst -> src``.

    The kernel is evaluated only on the listed (canonical) edges; the reversed edge reuses it with
    the orientation axis permuted by the grid's antipodal map, which halves the dominant cost on
    symmetric graphs. Message edges = listed edges + reversed ones.

    Shapes:
        src, dst, has_reverse: [E_canonical]
    """

    src: torch.Tensor
    dst: torch.Tensor
    has_reverse: torch.Tensor

    def expanded(self) -> "PairEdges":
        """The same message edges with every reversed edge listed explicitly (no reuse)."""
        src = torch.cat([self.src, self.dst[self.has_reverse]])
        dst = torch.cat([self.dst, self.src[self.has_reverse]])
        return PairEdges(src, dst, torch.zeros_like(src, dtype=torch.bool))

    def message_edges(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All directed message edges (canonical first, then reversed).

        Shapes:
            output: two [E] tensors (src, dst)
        """
        full = self.expanded()
        return full.src, full.dst


def fully_connected_pairs(batch: torch.Tensor) -> PairEdges:
    """All pairs i <= j inside each graph (self-loops included); nodes must be sorted by graph.

    Shapes:
        batch: [N]; output edges: [Σ n_g (n_g + 1) / 2]
    """
    sizes = torch.bincount(batch)  # [B]
    ptr = torch.cumsum(sizes, 0) - sizes  # [B]
    squares = sizes * sizes
    graph = torch.repeat_interleave(torch.arange(len(sizes), device=batch.device), squares)  # [Σ n²]
    local = torch.arange(int(squares.sum()), device=batch.device) - torch.repeat_interleave(
        torch.cumsum(squares, 0) - squares, squares)
    n = sizes[graph]
    row, col = local // n, local % n
    keep = row <= col
    src, dst = (ptr[graph] + row)[keep], (ptr[graph] + col)[keep]
    return PairEdges(src, dst, src != dst)


def pairs_from_symmetric(edge_index: torch.Tensor, num_nodes: int) -> PairEdges:
    """Canonical pairs of a symmetric edge set (e.g. a radius graph), with self-loops added.

    Shapes:
        edge_index: [2, E] containing both directions of every pair
    """
    src, dst = edge_index
    keep = src < dst
    loops = torch.arange(num_nodes, device=edge_index.device)
    src = torch.cat([src[keep], loops])
    dst = torch.cat([dst[keep], loops])
    return PairEdges(src, dst, src != dst)


def pairs_from_directed(edge_index: torch.Tensor) -> PairEdges:
    """Use a user-given edge set as is (no symmetry assumed, no self-loops added).

    Shapes:
        edge_index: [2, E]
    """
    src, dst = edge_index
    return PairEdges(src, dst, torch.zeros_like(src, dtype=torch.bool))
