"""O(d) connection-Laplacian edge blocks ``-w_e F_e^T F_rev(e)`` as one fused, batch-last kernel.

The eager O(d) builder maps the learner output of every directed edge to a Householder matrix,
then multiplies each edge's transposed matrix by its reverse edge's with a batched 3 x 3 ``bmm``.
On squirrel (E = 397k directed edges, 5 layers) those per-edge 3 x 3 products, their gradients and
the layout copies around them are most of an epoch: PyTorch's small-matrix ``bmm`` runs at about
1 GFLOP/s, and every intermediate [E, d, d] tensor is written out and read back.

Here the same arithmetic is written entry by entry on batch-last vectors (every quantity is an
[E] tensor, the d x d matrices are Python lists of them, :meth:`OrthogonalMap.entries`), so ``torch.compile`` emits a single
vectorised loop over the edges for the forward and one for the backward, with no [E, d, d]
intermediate (measured on squirrel's shape, 1 thread: 43 ms forward + backward against 580 ms
eager). It is used on the CPU for graphs of at least :data:`FUSED_MIN_EDGES` directed edges,
where the one-off compile (about 10 s, cached on disk) pays for itself within a few epochs.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from geogen.nn.compiled_kernels import CompiledKernels
from geogen.nn.sheaf.orthogonal import OrthogonalMap

__all__ = ["FUSED_MIN_EDGES", "connection_blocks"]

# Below this many directed edges the eager path is cheap and the compile would not pay off
# (texas, wisconsin, cornell: a few hundred edges; stacked splits run under vmap there).
FUSED_MIN_EDGES = 50_000


def _blocks(params: Tensor, params_reverse: Tensor, weight: Tensor, orthogonal_map: OrthogonalMap) -> Tensor:
    """Eager form of :func:`connection_blocks` (what the compiled kernel computes)."""
    d = orthogonal_map.d
    maps, maps_reverse = orthogonal_map.entries(params), orthogonal_map.entries(params_reverse)
    entries = []
    for i in range(d):
        for j in range(d):
            total = 0.0
            for k in range(d):  # (F^T F_rev)_ij = sum_k F_ki F_rev_kj
                total = total + maps[k][i] * maps_reverse[k][j]
            entries.append(-weight * total)
    return torch.stack(entries, -1)  # written edge-major: the CSR product reads it without a copy


@functools.cache
def _kernel_for(map_type: type[OrthogonalMap], d: int):
    # One function object per (parametrisation, d): the compiled graph specialises on the unrolled loops.
    return functools.partial(_blocks, orthogonal_map=map_type(d))


def connection_blocks(orthogonal_map: OrthogonalMap, params: Tensor, params_reverse: Tensor, weight: Tensor,
                      kernels: CompiledKernels) -> Tensor:
    """``off_e = -w_e F_e^T F_rev(e)``, fused and batch last, for a map with ``has_entries``.

    Args:
        orthogonal_map: the parametrisation (its :meth:`~OrthogonalMap.entries` form is used).
        params: learner output per directed edge, batch last; params_reverse: the same for each
            edge's reverse; weight: normalised symmetric edge weights.
        kernels: the compiled-kernel registry (eager when disabled).
    Shapes:
        params, params_reverse: [d(d-1)/2, E]; weight: [E] -> [E, d*d], column ``i*d + j`` holds
        entry (i, j) of every edge's block.
    """
    map_type, d = type(orthogonal_map), orthogonal_map.d
    return kernels.run(f"sheaf_connection_blocks_{map_type.__name__}_d{d}", _kernel_for(map_type, d),
                       params, params_reverse, weight, dynamic=True)
