"""Sparse sheaf Laplacians: diagonal blocks per node, off-diagonal blocks per directed edge.

A Laplacian acts on stalk-valued signals ``x [N, D, C]`` (D stalk dimensions, C channels)
through gathers and ``index_add`` over the edge list (small graphs) or one CSR product over
the node-stalk grid (graphs with many edges, :class:`~geogen.nn.sheaf.block_sparse.EdgeBlockPattern`),
never as a dense [ND, ND] matrix.
Gathers use ``index_select``, whose backward is an ``index_add`` (advanced indexing's backward
is an accumulating ``index_put``, several times slower on CPU).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from geogen.nn.sheaf.graph import SheafGraph

__all__ = ["SheafLaplacian", "DiagonalLaplacian", "BlockLaplacian", "ConnectionLaplacian", "StackedLaplacian",
           "symmetric_normalise"]


class SheafLaplacian:
    """Interface: a linear operator on ``[N, D, C]`` signals.

    Implementations are symmetric matrices: the block of edge (u, v) is the transpose of the block
    of (v, u) (the CSR backward relies on it).
    """

    stalk_dim: int

    def matmul(self, x: Tensor) -> Tensor:
        """Shapes: x [N, D, C] -> [N, D, C]."""
        raise NotImplementedError

    def to_dense(self) -> Tensor:
        """The [N*D, N*D] matrix (node-major, stalk-minor), for tests and inspection."""
        raise NotImplementedError


@dataclass(frozen=True)
class DiagonalLaplacian(SheafLaplacian):
    """Every block is diagonal.

    Shapes:
        diag: [N, D]; off: [E, D] (block of row ``row[e]``, column ``col[e]``).
    """

    graph: SheafGraph
    diag: Tensor
    off: Tensor

    @property
    def stalk_dim(self) -> int:
        return int(self.diag.size(1))

    def matmul(self, x: Tensor) -> Tensor:
        d = self.stalk_dim
        pattern = self.graph.edge_blocks(d, tuple((i, i) for i in range(d)))
        if pattern is not None:
            return self.diag.unsqueeze(-1) * x + pattern.matmul(self.off, x, symmetric=True)
        messages = self.off.unsqueeze(-1) * x.index_select(0, self.graph.col)  # [E, D, C]
        return (self.diag.unsqueeze(-1) * x).index_add(0, self.graph.row, messages)

    def to_dense(self) -> Tensor:
        n, d = self.diag.shape
        dense = self.diag.new_zeros(n, d, n, d)
        idx = torch.arange(d, device=self.diag.device)
        dense[torch.arange(n)[:, None], idx, torch.arange(n)[:, None], idx] = self.diag
        dense[self.graph.row[:, None], idx, self.graph.col[:, None], idx] += self.off
        return dense.reshape(n * d, n * d)


def _add_off_diagonal(diagonal_part: Tensor, graph: SheafGraph, off: Tensor, x: Tensor) -> Tensor:
    """``diagonal_part + sum_j off_ij x_j``: the edge blocks ``off [E, d, d]`` applied to ``x [N, d, C]``."""
    d = off.size(1)
    pattern = graph.edge_blocks(d, tuple((i, j) for i in range(d) for j in range(d)))
    if pattern is not None:
        return diagonal_part + pattern.matmul(off.reshape(off.size(0), d * d), x, symmetric=True)
    messages = torch.bmm(off, x.index_select(0, graph.col))  # [E, d, C]
    return diagonal_part.index_add(0, graph.row, messages)


@dataclass(frozen=True)
class BlockLaplacian(SheafLaplacian):
    """Dense d x d blocks.

    Shapes:
        diag: [N, d, d]; off: [E, d, d].
    """

    graph: SheafGraph
    diag: Tensor
    off: Tensor

    @property
    def stalk_dim(self) -> int:
        return int(self.diag.size(1))

    def matmul(self, x: Tensor) -> Tensor:
        return _add_off_diagonal(torch.bmm(self.diag, x), self.graph, self.off, x)

    def to_dense(self) -> Tensor:
        n, d, _ = self.diag.shape
        dense = self.diag.new_zeros(n, n, d, d)
        dense[torch.arange(n), torch.arange(n)] = self.diag
        dense.index_put_((self.graph.row, self.graph.col), self.off, accumulate=True)
        return dense.permute(0, 2, 1, 3).reshape(n * d, n * d)


@dataclass(frozen=True)
class ConnectionLaplacian(SheafLaplacian):
    """Dense d x d off-diagonal blocks, scalar-times-identity diagonal blocks (O(d) sheaves).

    The diagonal acts elementwise instead of through a batched d x d matmul.

    Shapes:
        diag: [N]; off: [E, d, d].
    """

    graph: SheafGraph
    diag: Tensor
    off: Tensor

    @property
    def stalk_dim(self) -> int:
        return int(self.off.size(1))

    def matmul(self, x: Tensor) -> Tensor:
        return _add_off_diagonal(self.diag.view(-1, 1, 1) * x, self.graph, self.off, x)

    def to_dense(self) -> Tensor:
        eye = torch.eye(self.stalk_dim, dtype=self.off.dtype, device=self.off.device)
        return BlockLaplacian(graph=self.graph, diag=self.diag.view(-1, 1, 1) * eye, off=self.off).to_dense()


@dataclass(frozen=True)
class StackedLaplacian(SheafLaplacian):
    """Block-diagonal over stalk dimensions: each part acts on its own slice of D."""

    parts: tuple[SheafLaplacian, ...]

    @property
    def stalk_dim(self) -> int:
        return sum(part.stalk_dim for part in self.parts)

    def matmul(self, x: Tensor) -> Tensor:
        slices = x.split([part.stalk_dim for part in self.parts], dim=1)
        return torch.cat([part.matmul(s) for part, s in zip(self.parts, slices)], dim=1)

    def to_dense(self) -> Tensor:
        blocks = [part.to_dense() for part in self.parts]
        n = self.parts[0].graph.num_nodes
        dims = [part.stalk_dim for part in self.parts]
        out = blocks[0].new_zeros(n, self.stalk_dim, n, self.stalk_dim)
        start = 0
        for block, d in zip(blocks, dims):
            out[:, start:start + d, :, start:start + d] = block.reshape(n, d, n, d)
            start += d
        return out.reshape(n * self.stalk_dim, n * self.stalk_dim)


def symmetric_normalise(diag: Tensor, off: Tensor, graph: SheafGraph, augmented: bool = True
                        ) -> tuple[Tensor, Tensor]:
    """Elementwise D^-1/2 L D^-1/2 for diagonal (or scalar-times-identity) degree blocks.

    Args:
        diag: [N, D] diagonal of the un-normalised Laplacian (the degree part).
        off: [E, D] or [E, d, d] off-diagonal blocks; a [N, D] diag with D = 1 scales blocks.
        augmented: normalise by (diag + 1) as NSD does (keeps isolated nodes finite);
            False gives the textbook normalised Laplacian.
    Returns:
        (normalised diag [N, D], normalised off, same shape as ``off``).
    """
    scale = (diag + 1.0).rsqrt() if augmented else diag.rsqrt().nan_to_num(posinf=0.0)  # [N, D]
    view = (-1, 1, 1) if off.dim() == 3 else (-1, scale.size(1))
    left, right = scale.index_select(0, graph.row).reshape(view), scale.index_select(0, graph.col).reshape(view)
    return scale * diag * scale, left * off * right
