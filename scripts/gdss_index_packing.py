"""Index-based pair packing for the GDSS score networks on large graphs (ENZYMES, grid).

``geogen.nn.gdss.dense_ops.PairPacking`` packs and unpacks with dense 0/1 matrices of shape
``[N*N, N(N-1)/2]``, rebuilt on every forward: O(N^4) memory and work. That is cheap for QM9
(N = 9) but 1.4 GB and ~10^11 multiply-adds per call at N = 125 (ENZYMES) and 34 GB per
matrix at N = 361 (grid), which does not fit. :class:`IndexPairPacking` has the same interface
and gives the same values (it moves entries instead of multiplying by 0/1) with O(N^2) index
vectors. :func:`install` swaps it into the two score networks for the running process; the
runner below then behaves as ``geogen`` with that change:

    python scripts/gdss_index_packing.py sample CKPT -n 20 --out grid.pkl --seed 0
"""

from __future__ import annotations

import sys

import torch
from torch import Tensor

__all__ = ["IndexPairPacking", "install"]


class IndexPairPacking:
    """Dense ``[B, C, N, N]`` symmetric tensors <-> strict upper triangle ``[B, P, C]`` by indexing.

    Args:
        num_nodes: ``N``.
        like: a tensor whose device the index vectors (and dtype the pair mask) take.
    """

    def __init__(self, num_nodes: int, like: Tensor) -> None:
        rows, cols = torch.triu_indices(num_nodes, num_nodes, offset=1, device=like.device)
        self.num_nodes = num_nodes
        self._dtype = like.dtype
        self.num_pairs = rows.numel()
        self._rows, self._cols = rows, cols
        self._upper = rows * num_nodes + cols  # [P] flat (i, j), i < j
        self._lower = cols * num_nodes + rows  # [P] flat (j, i)
        # flat (i, j) -> slot of a packed vector extended by one diagonal slot at index P
        spread = torch.full((num_nodes * num_nodes,), self.num_pairs, dtype=torch.long, device=like.device)
        pair_ids = torch.arange(self.num_pairs, device=like.device)
        spread[self._upper] = pair_ids
        spread[self._lower] = pair_ids
        self._spread = spread  # [N*N]

    def pack(self, dense: Tensor) -> Tensor:
        """``[B, C, N, N] -> [B, P, C]`` (upper-triangle entries)."""
        return dense.flatten(-2).index_select(-1, self._upper).transpose(1, 2)

    def _spread_last(self, packed_last: Tensor, diagonal: float) -> Tensor:
        """``[..., P] -> [..., N*N]`` with both triangles and ``diagonal`` on the diagonal."""
        diag = packed_last.new_full((*packed_last.shape[:-1], 1), diagonal)
        return torch.cat([packed_last, diag], dim=-1).index_select(-1, self._spread)

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
        both = flat.index_select(-1, self._upper) + flat.index_select(-1, self._lower)  # [C, B, P]
        return both.permute(1, 2, 0)

    def pair_mask(self, mask: Tensor) -> Tensor:
        """``[B, N]`` node mask -> ``[B, P, 1]`` float mask of pairs of real nodes."""
        m = mask.to(self._dtype)
        return (m.index_select(1, self._rows) * m.index_select(1, self._cols)).unsqueeze(-1)


def install() -> None:
    """Use :class:`IndexPairPacking` in geogen's GDSS score networks (this process only)."""
    import geogen.nn.gdss.score_adj as score_adj
    import geogen.nn.gdss.score_x as score_x

    score_adj.PairPacking = IndexPairPacking
    score_x.PairPacking = IndexPairPacking


if __name__ == "__main__":
    install()
    from geogen.cli.main import main

    sys.exit(main(sys.argv[1:]))
