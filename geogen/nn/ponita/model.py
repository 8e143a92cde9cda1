"""PONITA: SE(3) weight sharing over position–orientation space (Bekkers et al., ICLR 2024)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch import nn

from geogen.nn.ponita.convnext import ConvNeXtBlock
from geogen.nn.ponita.edges import PairEdges, fully_connected_pairs, pairs_from_directed, pairs_from_symmetric
from geogen.nn.ponita.geometry import FibreBundle, PointCloud

__all__ = ["PONITA", "PonitaOutput"]


@dataclass
class PonitaOutput:
    """Per-node outputs; unpacks as ``scalars, vectors = model(data)``.

    Shapes:
        scalars: [N, out_channels] (invariant); vectors: [N, out_vector_channels, 3] (equivariant)
    """

    scalars: torch.Tensor
    vectors: torch.Tensor

    def __iter__(self) -> Iterator[torch.Tensor]:
        return iter((self.scalars, self.vectors))


class PONITA(nn.Module):
    """Equivariant node-level network on R³×S² (``num_ori > 0``) or R³ (``num_ori = 0``).

    Lifts scalar and vector node inputs to the chosen space, applies ``num_layers`` ConvNeXt
    blocks of separable convolutions (kernels from polynomial features of pair invariants,
    sampled once per forward), and averages a linear readout of every block (as the paper).

    Args:
        in_channels: scalar input channels (``data.x``; 0 = none).
        hidden_dim: feature channels.
        out_channels: invariant output channels.
        out_vector_channels: equivariant vector output channels.
        num_layers: ConvNeXt blocks.
        num_ori: orientations of the sphere grid; 0 = point-cloud variant.
        radius: cutoff radius of the graph and the smooth kernel window; None = fully
            connected within each graph (self-loops included). An ``edge_index`` on the input
            overrides the graph (it is then used as given).
        in_vector_channels: vector input channels (``data.vec``, [N, C, 3]; 0 = none).
        basis_dim: kernel basis functions (default ``hidden_dim``).
        degree: polynomial degree of the invariant features.
        widening_factor: ConvNeXt MLP widening.
        layer_scale: initial ConvNeXt layer scale (None = off).
        cond_channels: width of an optional conditioning vector per node (e.g. a diffusion time
            embedding), applied as a scale/shift after each block's norm.
        grid_seed: seed of the sphere grid.
        edge_chunk_size: None = fastest; an int bounds memory by processing that many edges at a
            time and recomputing the kernels in backward (only first derivatives then).
        mlp_dtype: mixed precision for the ConvNeXt point-wise MLPs only (``torch.bfloat16`` or
            its name ``"bfloat16"``); None = everything in the input's dtype. See
            ``docs/results.md`` (PONITA) for its measured accuracy cost.
        kernel_dtype: precision of the spatial kernel GEMMs ``basis @ W`` (forward and both
            gradients; e.g. ``"bfloat16"``, products accumulated in float32); the basis,
            messages, sums and orientation mixing stay in the input's dtype. None = the input's.

    Shapes:
        data.pos: [N, 3]; data.x: [N, in_channels]; data.vec: [N, in_vector_channels, 3];
        data.batch: [N]; cond: [N, cond_channels]; output: :class:`PonitaOutput`
    """

    def __init__(self, *, in_channels: int, hidden_dim: int, out_channels: int, out_vector_channels: int = 0,
                 num_layers: int, num_ori: int = 16, radius: float | None = None, in_vector_channels: int = 0,
                 basis_dim: int | None = None, degree: int = 3, widening_factor: int = 4,
                 layer_scale: float | None = None, cond_channels: int = 0, grid_seed: int = 0,
                 edge_chunk_size: int | None = None, mlp_dtype: torch.dtype | str | None = None,
                 kernel_dtype: torch.dtype | str | None = None) -> None:
        super().__init__()
        mlp_dtype, kernel_dtype = _dtype(mlp_dtype), _dtype(kernel_dtype)
        if num_ori < 0:
            raise ValueError("num_ori must be >= 0 (0 = point cloud); the edge-lifted variant is not provided")
        basis_dim = basis_dim or hidden_dim
        self.in_channels, self.in_vector_channels = in_channels, in_vector_channels
        self.out_channels, self.out_vector_channels = out_channels, out_vector_channels
        self.radius = radius
        if num_ori > 0:
            self.geometry = FibreBundle(num_ori=num_ori, hidden_dim=hidden_dim, basis_dim=basis_dim, degree=degree,
                                        radius=radius, grid_seed=grid_seed, edge_chunk_size=edge_chunk_size,
                                        basis_dtype=kernel_dtype)
        else:
            self.geometry = PointCloud(in_vector_channels=in_vector_channels, out_vector_channels=out_vector_channels,
                                       hidden_dim=hidden_dim, basis_dim=basis_dim, degree=degree, radius=radius)
        lifted = self.geometry.lifted_channels(in_channels, in_vector_channels)
        self.embed = nn.Linear(lifted, hidden_dim, bias=False)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(channels=hidden_dim, basis_dim=basis_dim, fibre=num_ori > 0, widening_factor=widening_factor,
                          layer_scale=layer_scale, cond_channels=cond_channels, edge_chunk_size=edge_chunk_size,
                          mlp_dtype=mlp_dtype, kernel_dtype=kernel_dtype)
            for _ in range(num_layers))
        self.readouts = nn.ModuleList(nn.Linear(hidden_dim, out_channels + out_vector_channels)
                                      for _ in range(num_layers))

    def edges(self, data) -> PairEdges:
        """The message-passing edges for ``data`` (see ``radius``)."""
        edge_index = getattr(data, "edge_index", None)
        if edge_index is not None:
            return pairs_from_directed(edge_index)
        batch = _batch_of(data)
        if self.radius is None:
            return fully_connected_pairs(batch)
        from geogen.nn.radius import radius_graph

        return pairs_from_symmetric(radius_graph(data.pos, self.radius, batch=batch), data.num_nodes)

    def forward(self, data, cond: torch.Tensor | None = None) -> PonitaOutput:
        vec = getattr(data, "vec", None) if self.in_vector_channels else None
        x = data.x if self.in_channels else None
        kernels = self.geometry.sample(data.pos, self.edges(data))
        h = self.embed(self.geometry.lift(x, vec))  # [N, O, hidden]
        plan = kernels.plan
        readout = 0.0
        for block, linear in zip(self.blocks, self.readouts):
            h = block(h, kernels.basis, kernels.loop_basis, kernels.fibre_basis, plan, cond)
            readout = readout + linear(h) / len(self.blocks)  # [N, O, out + out_vec]
        scalars, vectors = self.geometry.readout(readout, self.out_channels, kernels, vec)
        return PonitaOutput(scalars, vectors)


def _dtype(value: torch.dtype | str | None) -> torch.dtype | None:
    """A dtype from itself or its name (``"bfloat16"``), with one clear error for a bad name."""
    if value is None or isinstance(value, torch.dtype):
        return value
    dtype = getattr(torch, str(value), None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"unknown floating-point dtype {value!r} (e.g. 'bfloat16', 'float16')")
    return dtype


def _batch_of(data) -> torch.Tensor:
    batch = getattr(data, "batch", None)
    if batch is None:
        return torch.zeros(data.pos.shape[0], dtype=torch.long, device=data.pos.device)
    return batch
