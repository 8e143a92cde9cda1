"""Edge sets for PONITA's message passing: each unordered pair listed once, self-loops apart."""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["PairEdges", "fully_connected_pairs", "pairs_from_symmetric", "pairs_from_directed"]


@dataclass
class PairEdges:
    """Message edges as listed edges ``src -> dst`` (plus, when ``symmetric``, every reversed edge
    ``dst -> src``) and self-loop messages at ``loops``.

    The kernel is evaluated only on the listed (canonical) edges; a reversed edge reuses it with
    the orientation axis permuted by the grid's antipodal map, which halves the dominant cost on
    symmetric graphs. A self-loop has rel = 0, so its kernel is one vector shared by every node
    and orientation: loops are kept apart and never sampled per edge.

    Shapes:
        src, dst: [E_canonical] (no self-loops when ``symmetric``); loops: [L] node indices
    """

    src: torch.Tensor
    dst: torch.Tensor
    symmetric: bool
    loops: torch.Tensor

    def expanded(self) -> "PairEdges":
        """The same messages with every reversed edge listed explicitly (no reuse)."""
        if not self.symmetric:
            return self
        return PairEdges(torch.cat([self.src, self.dst]), torch.cat([self.dst, self.src]), False, self.loops)

    def message_edges(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All directed message edges, self-loops included (listed, reversed, loops).

        Shapes:
            output: two [E] tensors (src, dst)
        """
        full = self.expanded()
        return torch.cat([full.src, self.loops]), torch.cat([full.dst, self.loops])


def fully_connected_pairs(batch: torch.Tensor) -> PairEdges:
    """All pairs i < j inside each graph, and a self-loop at every node; nodes sorted by graph.

    Shapes:
        batch: [N]; output edges: [Σ n_g (n_g - 1) / 2], loops: [N]
    """
    sizes = torch.bincount(batch)  # [B]
    ptr = torch.cumsum(sizes, 0) - sizes  # [B]
    squares = sizes * sizes
    graph = torch.repeat_interleave(torch.arange(len(sizes), device=batch.device), squares)  # [Σ n²]
    local = torch.arange(int(squares.sum()), device=batch.device) - torch.repeat_interleave(
        torch.cumsum(squares, 0) - squares, squares)
    n = sizes[graph]
    row, col = local // n, local % n
    keep = row < col
    src, dst = (ptr[graph] + row)[keep], (ptr[graph] + col)[keep]
    return PairEdges(src, dst, True, torch.arange(batch.numel(), device=batch.device))


def pairs_from_symmetric(edge_index: torch.Tensor, num_nodes: int) -> PairEdges:
    """Canonical pairs of a symmetric edge set (e.g. a radius graph), with a self-loop at every node.

    Shapes:
        edge_index: [2, E] containing both directions of every pair
    """
    src, dst = edge_index
    keep = src < dst
    return PairEdges(src[keep], dst[keep], True, torch.arange(num_nodes, device=edge_index.device))


def pairs_from_directed(edge_index: torch.Tensor) -> PairEdges:
    """Use a user-given edge set as is: no symmetry assumed, no self-loops added, and any
    self-loops in it treated as ordinary edges (the plain reference path).

    Shapes:
        edge_index: [2, E]
    """
    src, dst = edge_index
    return PairEdges(src, dst, False, src.new_empty(0))
