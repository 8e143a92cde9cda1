"""Noise spaces: how noise is drawn and tensors are projected for one state component.

A :class:`Space` is a configuration-level object (no tensors). ``space.bind(state, name)``
returns a :class:`BoundSpace` holding the masks/batch vectors of that state's layout, so a
sampling run computes them once and every step is a couple of multiplications. Projections
multiply by exact 0/1 masks, so masked entries stay exactly zero through a whole run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor

from geogen.data.states import State

__all__ = [
    "Space",
    "BoundSpace",
    "FreeSpace",
    "MaskedNodeSpace",
    "SymmetricAdjacencySpace",
    "ZeroCoMSpace",
]


class BoundSpace(ABC):
    """A space bound to one component of one state layout.

    Args:
        like: the component tensor (its shape, dtype and device are used).
        batch_size: number of samples ``B`` in the state.
    """

    def __init__(self, like: Tensor, batch_size: int) -> None:
        self.shape = like.shape
        self.dtype = like.dtype
        self.device = like.device
        self.batch_size = batch_size

    @abstractmethod
    def project(self, value: Tensor) -> Tensor:
        """The orthogonal projection of ``value`` onto the space."""

    def noise(self, generator: torch.Generator | None = None) -> Tensor:
        """Standard Gaussian noise on the space."""
        return self.project(self._randn(generator))

    @abstractmethod
    def sample_sq_norms(self, value: Tensor) -> Tensor:
        """``[B]`` squared Euclidean norm of each sample's part of ``value``."""

    def _randn(self, generator: torch.Generator | None) -> Tensor:
        return torch.randn(self.shape, generator=generator, dtype=self.dtype, device=self.device)


class _DenseBound(BoundSpace):
    """Leading axis is the sample axis (``[B, ...]``)."""

    def sample_sq_norms(self, value: Tensor) -> Tensor:
        return value.reshape(self.batch_size, -1).square().sum(dim=1)


class _IndexedBound(BoundSpace):
    """Leading axis indexes nodes; ``ids`` (broadcastable to the component) gives the sample."""

    def __init__(self, like: Tensor, batch_size: int, ids: Tensor) -> None:
        super().__init__(like, batch_size)
        self.flat_ids = ids.expand(like.shape).reshape(-1)  # [numel]

    def sample_sq_norms(self, value: Tensor) -> Tensor:
        out = torch.zeros(self.batch_size, dtype=value.dtype, device=value.device)
        return out.index_add_(0, self.flat_ids, value.reshape(-1).square())


class Space(ABC):
    """Configuration of a noise space; bind it to a state layout with :meth:`bind`."""

    @abstractmethod
    def bind(self, state: State, name: str) -> BoundSpace:
        """Precompute masks for component ``name`` of ``state``."""

    def project(self, value: Tensor, state: State, name: str) -> Tensor:
        """Convenience: project ``value`` (shaped like component ``name``) onto the space."""
        return self.bind(state, name).project(value)

    def noise(self, state: State, name: str, generator: torch.Generator | None = None) -> Tensor:
        """Convenience: Gaussian noise on the space for component ``name`` of ``state``."""
        return self.bind(state, name).noise(generator)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _FreeBound(_IndexedBound):
    def project(self, value: Tensor) -> Tensor:
        return value

    def noise(self, generator: torch.Generator | None = None) -> Tensor:
        return self._randn(generator)


class FreeSpace(Space):
    """The whole ambient space: noise is i.i.d. standard normal, projection is the identity.

    Works for any state layout (dense ``[B, ...]`` or flat with a batch vector); per-sample
    norms use the state's own ``broadcast_time`` to find which sample an entry belongs to.
    """

    def bind(self, state: State, name: str) -> BoundSpace:
        like = getattr(state, name)
        index = torch.arange(state.batch_size, device=like.device)
        ids = state.broadcast_time(index)[name]  # broadcastable to like
        return _FreeBound(like, state.batch_size, ids)


class _MaskedNodeBound(_DenseBound):
    def __init__(self, like: Tensor, mask: Tensor) -> None:
        super().__init__(like, mask.shape[0])
        extra = like.dim() - mask.dim()
        self.mask = mask.to(like.dtype).view(*mask.shape, *([1] * extra))  # [B, N, 1...]

    def project(self, value: Tensor) -> Tensor:
        return value * self.mask


class MaskedNodeSpace(Space):
    """Node tensors ``[B, N, ...]`` that are zero on padded nodes (``state.mask [B, N]``)."""

    def bind(self, state: State, name: str) -> BoundSpace:
        return _MaskedNodeBound(getattr(state, name), state.mask)


class _SymmetricBound(_DenseBound):
    def __init__(self, like: Tensor, mask: Tensor) -> None:
        super().__init__(like, mask.shape[0])
        node = mask.to(like.dtype)
        nodes = node.shape[1]
        pair = node.unsqueeze(2) * node.unsqueeze(1)  # [B, N, N]
        pair = pair * (1 - torch.eye(nodes, dtype=like.dtype, device=like.device))
        pair = pair.view(*pair.shape, *([1] * (like.dim() - 3)))  # [B, N, N, 1...]
        self.mask = pair
        # (v + v^T) / 2 then mask: fold the 1/2 into the mask.
        self.half_mask = pair * 0.5
        # Noise: draw one standard normal per node pair i < j and copy it to (i, j) and (j, i)
        # with a single gather (half the normals of a full draw, no transpose-add); the
        # diagonal reads pair 0 and is zeroed by the mask. Same law as GDSS's triu(1) + z^T.
        upper = torch.triu_indices(nodes, nodes, 1, device=like.device)  # [2, M]
        self.num_pairs = max(upper.shape[1], 1)
        index = torch.zeros(nodes, nodes, dtype=torch.long, device=like.device)
        pair_ids = torch.arange(upper.shape[1], device=like.device)
        index[upper[0], upper[1]] = pair_ids
        index[upper[1], upper[0]] = pair_ids
        self.gather_index = index.view(-1)  # [N * N]

    def project(self, value: Tensor) -> Tensor:
        return (value + value.transpose(1, 2)) * self.half_mask

    def noise(self, generator: torch.Generator | None = None) -> Tensor:
        batch, nodes = self.shape[0], self.shape[1]
        rest = tuple(self.shape[3:])
        z = torch.randn((batch, self.num_pairs, *rest), generator=generator, dtype=self.dtype,
                        device=self.device)  # [B, M, C...]
        full = z.index_select(1, self.gather_index).view(batch, nodes, nodes, *rest)
        return full * self.mask


class SymmetricAdjacencySpace(Space):
    """Dense adjacency ``[B, N, N]`` or ``[B, N, N, C]``: symmetric in the node axes, zero on
    the diagonal and on rows/columns of padded nodes (``state.mask [B, N]``).

    Noise has standard normal off-diagonal entries (``z_ij = z_ji``).
    """

    def bind(self, state: State, name: str) -> BoundSpace:
        return _SymmetricBound(getattr(state, name), state.mask)


class _ZeroCoMBound(_IndexedBound):
    def __init__(self, like: Tensor, batch: Tensor, num_graphs: int, per_frame: bool) -> None:
        ids = batch.view(-1, *([1] * (like.dim() - 1)))  # [N, 1...]
        super().__init__(like, num_graphs, ids)
        self.batch = batch
        # Axes averaged with the nodes: all but nodes and coordinates, unless kept per frame.
        self.reduce_dims = () if per_frame else tuple(range(1, like.dim() - 1))
        repeats = 1
        for dim in self.reduce_dims:
            repeats *= like.shape[dim]
        counts = torch.zeros(num_graphs, dtype=like.dtype, device=like.device)
        counts.index_add_(0, batch, torch.ones_like(batch, dtype=like.dtype))
        self.inv_counts = 1.0 / (counts * repeats).clamp_min(1)  # [B]

    def project(self, value: Tensor) -> Tensor:
        summed = value.sum(dim=self.reduce_dims, keepdim=True) if self.reduce_dims else value
        totals = torch.zeros((self.batch_size, *summed.shape[1:]), dtype=value.dtype,
                             device=value.device)
        totals.index_add_(0, self.batch, summed)  # [B, 1.., 3] or [B, T, 3]
        means = totals * self.inv_counts.view(-1, *([1] * (summed.dim() - 1)))
        return value - means[self.batch]


class ZeroCoMSpace(Space):
    """Positions with zero centre of mass per graph (flat layout with ``state.batch``).

    For ``PointCloud.pos [N, 3]`` the mean over each graph's nodes is removed; for
    ``Trajectory.pos [N, T, 3]`` the mean over nodes and frames (a translation moves all frames
    together), or over nodes per frame with ``per_frame=True``.

    Args:
        per_frame: remove the centre of mass of every frame separately.
    """

    def __init__(self, per_frame: bool = False) -> None:
        self.per_frame = per_frame

    def bind(self, state: State, name: str) -> BoundSpace:
        return _ZeroCoMBound(getattr(state, name), state.batch, state.batch_size, self.per_frame)

    def __repr__(self) -> str:
        return f"ZeroCoMSpace(per_frame={self.per_frame})"
