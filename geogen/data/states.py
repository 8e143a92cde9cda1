"""State containers: a batch of samples with masks, as the processes and samplers see it.

Every state is a frozen dataclass of tensors. The *components* are the tensors a process
noises (``DenseGraph``: ``x`` and ``adj``; ``PointCloud``: ``h`` and ``pos``; ``Trajectory``:
``h`` and ``pos``); the other fields (``mask``, ``batch``) describe the layout and are carried
along unchanged. Samplers only use :meth:`components`, :meth:`replace`, :meth:`broadcast_time`
and :attr:`batch_size`, so they never know which kind of state they integrate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace as dc_replace
from typing import ClassVar

import torch
from torch import Tensor

__all__ = ["DenseGraph", "PointCloud", "Trajectory", "State"]


class State:
    """Mixin with the component protocol shared by all state containers."""

    COMPONENTS: ClassVar[tuple[str, ...]] = ()

    def components(self) -> dict[str, Tensor]:
        """The noised tensors by name, e.g. ``{"x": x, "adj": adj}``."""
        return {name: getattr(self, name) for name in self.COMPONENTS}

    def replace(self, **components: Tensor):
        """A copy with some fields replaced (layout fields are kept)."""
        return dc_replace(self, **components)

    def to(self, *args, **kwargs):
        """Move every tensor field (``state.to("cuda")``, ``state.to(torch.float64)``).

        Integer and boolean fields (masks, batch vectors) keep their dtype.
        """
        moved = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Tensor):
                if value.is_floating_point():
                    value = value.to(*args, **kwargs)
                else:
                    device = _device_of(args, kwargs)
                    value = value.to(device) if device is not None else value
            moved[field.name] = value
        return type(self)(**moved)

    @property
    def device(self) -> torch.device:
        return getattr(self, self.COMPONENTS[0]).device

    @property
    def batch_size(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def broadcast_time(self, t: Tensor) -> dict[str, Tensor]:  # pragma: no cover - overridden
        """Per-sample times ``t [B]`` shaped to broadcast against each component."""
        raise NotImplementedError


def _device_of(args, kwargs) -> torch.device | None:
    if "device" in kwargs:
        return torch.device(kwargs["device"])
    for arg in args:
        if isinstance(arg, (str, torch.device)):
            return torch.device(arg)
        if isinstance(arg, Tensor):
            return arg.device
    return None


def _flat_layout(batch) -> dict:
    """``batch`` vector (zeros when absent: one graph) and graph count of a flat PyG batch."""
    batch_vector = getattr(batch, "batch", None)
    if batch_vector is None:
        batch_vector = torch.zeros(batch.pos.shape[0], dtype=torch.long, device=batch.pos.device)
    num_graphs = int(batch_vector.max()) + 1 if batch_vector.numel() else 0
    return {"batch": batch_vector, "num_graphs": num_graphs}


@dataclass(frozen=True)
class DenseGraph(State):
    """A batch of graphs padded to ``N`` nodes.

    Shapes:
        x: ``[B, N, F]`` node features (zero on padded nodes).
        adj: ``[B, N, N]`` or ``[B, N, N, C]`` edge values/features, symmetric in the two node
            axes, zero on the diagonal and on rows/columns of padded nodes.
        mask: ``[B, N]`` bool, True for real nodes.
    """

    x: Tensor
    adj: Tensor
    mask: Tensor

    COMPONENTS: ClassVar[tuple[str, ...]] = ("x", "adj")
    #: number of node axes after the batch axis, per component (x: nodes, adj: node pairs)
    NODE_AXES: ClassVar[dict[str, int]] = {"x": 1, "adj": 2}

    def __post_init__(self) -> None:
        if self.x.dim() != 3 or self.mask.dim() != 2 or self.adj.dim() not in (3, 4):
            raise ValueError(
                f"DenseGraph expects x [B,N,F], adj [B,N,N(,C)], mask [B,N]; got "
                f"{tuple(self.x.shape)}, {tuple(self.adj.shape)}, {tuple(self.mask.shape)}")
        batch, nodes = self.mask.shape
        if self.x.shape[:2] != (batch, nodes) or self.adj.shape[:3] != (batch, nodes, nodes):
            raise ValueError("DenseGraph fields disagree on batch size or node count: "
                             f"x {tuple(self.x.shape)}, adj {tuple(self.adj.shape)}, "
                             f"mask {tuple(self.mask.shape)}")

    @property
    def batch_size(self) -> int:
        return self.mask.shape[0]

    @property
    def num_nodes(self) -> Tensor:
        """``[B]`` number of real nodes per graph."""
        return self.mask.sum(dim=1)

    @property
    def node_mask(self) -> Tensor:
        """``[B, N, 1]`` float mask for node features."""
        return self.mask.unsqueeze(-1).to(self.x.dtype)

    @property
    def edge_mask(self) -> Tensor:
        """``[B, N, N]`` float mask: both ends real and off the diagonal."""
        mask = self.mask.to(self.adj.dtype)
        pair = mask.unsqueeze(2) * mask.unsqueeze(1)  # [B, N, N]
        eye = torch.eye(self.mask.shape[1], dtype=pair.dtype, device=pair.device)
        return pair * (1 - eye)

    def take(self, index: Tensor, num_nodes: int) -> "DenseGraph":
        """The graphs at ``index [b]``, padding cut to the first ``num_nodes`` nodes.

        Only valid when every taken graph's real nodes are among the first ``num_nodes``.
        """
        nodes = slice(None, num_nodes)
        return DenseGraph(x=self.x[index, nodes], adj=self.adj[index, nodes, nodes],
                          mask=self.mask[index, nodes])

    def broadcast_time(self, t: Tensor) -> dict[str, Tensor]:
        return {
            "x": t.view(-1, 1, 1),
            "adj": t.view(-1, *([1] * (self.adj.dim() - 1))),
        }

    def to_pyg(self):
        """A PyG ``Batch``: ``x [sum N_b, F]``, ``edge_index``, ``edge_attr`` (non-zero entries)."""
        from torch_geometric.data import Batch, Data

        graphs = []
        for b in range(self.batch_size):
            n = int(self.mask[b].sum())
            adj = self.adj[b, :n, :n]
            present = adj.abs().sum(-1) != 0 if adj.dim() == 3 else adj != 0  # [n, n]
            edge_index = present.nonzero().t().contiguous()  # [2, E]
            edge_attr = adj[edge_index[0], edge_index[1]]  # [E] or [E, C]
            graphs.append(Data(x=self.x[b, :n], edge_index=edge_index, edge_attr=edge_attr,
                               num_nodes=n))
        return Batch.from_data_list(graphs)

    @classmethod
    def from_pyg(cls, batch, max_num_nodes: int | None = None) -> "DenseGraph":
        """Build from a PyG batch with ``x``, ``edge_index``, optional ``edge_attr``/``batch``."""
        from torch_geometric.utils import to_dense_adj, to_dense_batch

        batch_vector = getattr(batch, "batch", None)
        x, mask = to_dense_batch(batch.x, batch_vector, max_num_nodes=max_num_nodes)
        edge_attr = getattr(batch, "edge_attr", None)
        adj = to_dense_adj(batch.edge_index, batch_vector, edge_attr=edge_attr,
                           max_num_nodes=x.shape[1])
        return cls(x=x, adj=adj.to(x.dtype), mask=mask)


@dataclass(frozen=True)
class PointCloud(State):
    """A batch of point clouds in PyG's flat layout.

    Shapes:
        h: ``[N, F]`` invariant node features (e.g. one-hot atom types).
        pos: ``[N, 3]`` positions.
        batch: ``[N]`` long, graph index of each node (sorted).
        num_graphs: number of graphs ``B`` (explicit, so empty graphs are allowed).
    """

    h: Tensor
    pos: Tensor
    batch: Tensor
    num_graphs: int

    COMPONENTS: ClassVar[tuple[str, ...]] = ("h", "pos")

    def __post_init__(self) -> None:
        if self.pos.dim() != 2 or self.pos.shape[-1] != 3:
            raise ValueError(f"PointCloud.pos must be [N, 3], got {tuple(self.pos.shape)}")
        if self.h.shape[0] != self.pos.shape[0] or self.batch.shape != self.pos.shape[:1]:
            raise ValueError("PointCloud fields disagree on the number of nodes")

    @property
    def batch_size(self) -> int:
        return self.num_graphs

    def broadcast_time(self, t: Tensor) -> dict[str, Tensor]:
        per_node = t[self.batch].unsqueeze(-1)  # [N, 1]
        return {"h": per_node, "pos": per_node}

    def to_pyg(self):
        from torch_geometric.data import Batch

        return Batch(x=self.h, pos=self.pos, batch=self.batch)

    @classmethod
    def from_pyg(cls, batch) -> "PointCloud":
        """Build from a PyG batch with ``x [N, F]``, ``pos [N, 3]`` and optional ``batch``."""
        return cls(h=batch.x, pos=batch.pos, **_flat_layout(batch))


@dataclass(frozen=True)
class Trajectory(State):
    """A batch of geometric trajectories of ``T`` frames in PyG's flat layout.

    Shapes:
        h: ``[N, F]`` invariant node features.
        pos: ``[N, T, 3]`` positions over time.
        batch: ``[N]`` long graph index of each node.
        num_graphs: number of trajectories ``B``.
    """

    h: Tensor
    pos: Tensor
    batch: Tensor
    num_graphs: int

    COMPONENTS: ClassVar[tuple[str, ...]] = ("h", "pos")

    def __post_init__(self) -> None:
        if self.pos.dim() != 3 or self.pos.shape[-1] != 3:
            raise ValueError(f"Trajectory.pos must be [N, T, 3], got {tuple(self.pos.shape)}")
        if self.h.shape[0] != self.pos.shape[0] or self.batch.shape != self.pos.shape[:1]:
            raise ValueError("Trajectory fields disagree on the number of nodes")

    @property
    def batch_size(self) -> int:
        return self.num_graphs

    @property
    def num_frames(self) -> int:
        return self.pos.shape[1]

    def broadcast_time(self, t: Tensor) -> dict[str, Tensor]:
        per_node = t[self.batch]  # [N]
        return {"h": per_node.unsqueeze(-1), "pos": per_node.view(-1, 1, 1)}

    def to_pyg(self):
        from torch_geometric.data import Batch

        return Batch(x=self.h, pos=self.pos, batch=self.batch)

    @classmethod
    def from_pyg(cls, batch) -> "Trajectory":
        """Build from a PyG batch with ``x [N, F]``, ``pos [N, T, 3]`` and optional ``batch``."""
        return cls(h=batch.x, pos=batch.pos, **_flat_layout(batch))
