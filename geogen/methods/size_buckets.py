"""Evaluate a dense-graph denoiser on size buckets of a padded batch.

For datasets with a wide range of graph sizes (ENZYMES: 2–125 nodes, grid: 100–361) most of a
padded batch is padding, and the score networks' cost grows with the padded size squared. A
:class:`BucketedDenoiser` cuts the batch into buckets of similar size, each padded only to its
own largest graph, calls the denoiser once per bucket and writes the outputs back into the
padded layout (zeros on padded nodes, which the networks' masks give anyway).

The sampler itself still runs on the whole padded batch, so everything it computes across the
batch is unchanged: GDSS's Langevin step size, for one, uses batch means of per-graph norms and
couples the graphs of a batch exactly as the official code's padded rounds do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch
from torch import Tensor

from geogen.data.states import DenseGraph
from geogen.errors import GeogenError

__all__ = ["SizeBucket", "size_buckets", "BucketedDenoiser"]

Denoiser = Callable[[DenseGraph, Tensor], Mapping[str, Tensor]]


@dataclass(frozen=True)
class SizeBucket:
    """Graphs of a batch evaluated together.

    Attributes:
        index: ``[b]`` positions of the bucket's graphs in the batch.
        num_nodes: the bucket's padded size (its largest graph, at least 1).
    """

    index: Tensor
    num_nodes: int


def size_buckets(counts: Tensor, max_pairs: int) -> list[SizeBucket]:
    """Group graphs by size: largest first, at most ``max_pairs`` padded node pairs per bucket.

    A bucket of ``b`` graphs padded to ``n`` nodes holds ``b * n^2`` pairs; a graph larger than
    ``sqrt(max_pairs)`` gets a bucket of its own.

    Args:
        counts: ``[B]`` node counts.
        max_pairs: pair budget per bucket (at least 1).
    """
    if max_pairs < 1:
        raise GeogenError("max_pairs must be at least 1")
    order = torch.sort(counts.cpu(), descending=True, stable=True)
    sizes = order.values.tolist()
    buckets, start = [], 0
    while start < len(sizes):
        size = max(int(sizes[start]), 1)
        take = max(1, max_pairs // (size * size))
        buckets.append(SizeBucket(index=order.indices[start:start + take].to(counts.device),
                                  num_nodes=size))
        start += take
    return buckets


class BucketedDenoiser:
    """``denoiser(state, t)`` evaluated bucket by bucket (see :func:`size_buckets`).

    The state must be padded as :meth:`geogen.methods.gdss.GDSS.template` pads it: each graph's
    nodes first (``mask[b] = arange(N) < count_b``). The denoiser's outputs must be components of
    :class:`DenseGraph` (``x``, ``adj``) and must not depend on padding (true of masked networks
    such as GDSS's); padded entries of the returned outputs are zero.

    Args:
        denoiser: ``denoiser(DenseGraph, t[B]) -> {"x": [B, N, F], "adj": [B, N, N]}``.
        max_pairs: padded node pairs per bucket.
    """

    def __init__(self, denoiser: Denoiser, *, max_pairs: int) -> None:
        if max_pairs < 1:
            raise GeogenError("max_pairs must be at least 1")
        self.denoiser = denoiser
        self.max_pairs = int(max_pairs)
        self._mask: Tensor | None = None  # the buckets of the last mask seen (fixed during a run)
        self._buckets: list[SizeBucket] = []

    def __call__(self, state: DenseGraph, t: Tensor) -> dict[str, Tensor]:
        """Outputs shaped like the padded batch; zero on padded nodes.

        Shapes:
            state: x ``[B, N, F]``, adj ``[B, N, N]``, mask ``[B, N]``; t ``[B]``.
        """
        size = state.mask.size(1)
        buckets = self._buckets_of(state.mask)
        if len(buckets) == 1 and buckets[0].num_nodes == size:
            return dict(self.denoiser(state, t))
        outputs: dict[str, Tensor] = {}
        for bucket in buckets:
            n, index = bucket.num_nodes, bucket.index
            for name, value in self.denoiser(state.take(index, n), t[index]).items():
                if name not in DenseGraph.NODE_AXES:
                    raise GeogenError(f"size buckets cannot place a denoiser output named {name!r} "
                                      f"(known: {sorted(DenseGraph.NODE_AXES)})")
                axes = DenseGraph.NODE_AXES[name]
                if name not in outputs:
                    outputs[name] = value.new_zeros((state.batch_size, *([size] * axes),
                                                     *value.shape[1 + axes:]))
                outputs[name][(index, *([slice(None, n)] * axes))] = value
        return outputs

    def _buckets_of(self, mask: Tensor) -> list[SizeBucket]:
        # a sampler keeps one mask for a whole run: check and bucket it once, not at every call
        if mask is self._mask:
            return self._buckets
        counts = mask.sum(1)
        prefix = torch.arange(mask.size(1), device=counts.device) < counts.unsqueeze(1)
        if not torch.equal(prefix, mask):
            raise GeogenError("size-bucketed sampling needs each graph's nodes first in its padding")
        self._mask, self._buckets = mask, size_buckets(counts, self.max_pairs)
        return self._buckets

    def __repr__(self) -> str:
        return f"BucketedDenoiser(max_pairs={self.max_pairs})"

