"""The two spaces PONITA convolves on: the fibre bundle R³×S² on a grid, and the point cloud R³."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.basis import KernelBasis, PolynomialCutoff
from geogen.nn.ponita.edges import PairEdges
from geogen.nn.ponita.kernel_messages import MessagePlan
from geogen.nn.ponita.invariants import fibre_bundle_invariants, orientation_invariants, pair_distance
from geogen.nn.ponita.sphere_grid import antipodal_permutation, sphere_grid

__all__ = ["SampledKernels", "FibreBundle", "PointCloud"]


@dataclass
class SampledKernels:
    """Everything the convolutions share within one forward pass.

    ``basis`` covers the listed edges only; ``loop_basis`` is the basis at rel = 0 (the same for
    every orientation), used by every self-loop.

    Shapes:
        basis: [E, O, K]; loop_basis: [K]; fibre_basis: [O, O, K] or None; sigma: [O] or None;
        rel: [E, 3]
    """

    edges: PairEdges
    basis: torch.Tensor
    loop_basis: torch.Tensor
    fibre_basis: torch.Tensor | None
    sigma: torch.Tensor | None
    rel: torch.Tensor
    num_nodes: int

    @property
    def plan(self) -> MessagePlan:
        return MessagePlan.build(self.edges, self.sigma, self.num_nodes)


# elements per activation of one chunk of the memory-light basis MLP (4 Mi floats = 16 MB)
_BASIS_CHUNK_ELEMENTS = 1 << 22


class _ChunkedBasis(torch.autograd.Function):
    """``(module(invariants) * window).to(dtype)`` evaluated ``chunk`` rows at a time into one
    preallocated output; backward recomputes each chunk's activations (checkpointing by hand:
    no concatenation copy, no separate windowed copy, only one chunk's activations alive)."""

    @staticmethod
    def forward(ctx, invariants, window, module, chunk, dtype, *params):
        out = invariants.new_empty(*invariants.shape[:-1], module.basis_dim, dtype=dtype)
        with torch.no_grad():
            for start in range(0, invariants.shape[0], chunk):
                rows = slice(start, start + chunk)
                out[rows] = module(invariants[rows]) * window[rows]
        ctx.save_for_backward(invariants, window)
        ctx.module, ctx.chunk = module, chunk
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        invariants, window = ctx.saved_tensors
        params = list(ctx.module.parameters())
        wanted = [ctx.needs_input_grad[0], ctx.needs_input_grad[1]] + [p.requires_grad for p in params]
        grads = [None] * len(wanted)
        for start in range(0, invariants.shape[0], ctx.chunk):
            rows = slice(start, start + ctx.chunk)
            with torch.enable_grad():
                inv = invariants[rows].detach().requires_grad_(wanted[0])
                win = window[rows].detach().requires_grad_(wanted[1])
                inputs = [t for t, need in zip([inv, win, *params], wanted) if need]
                part = ctx.module(inv) * win
                parts = torch.autograd.grad(part, inputs, grad[rows].to(part.dtype), allow_unused=True)
            parts = iter(parts)
            for index, need in enumerate(wanted):
                if not need:
                    continue
                value = next(parts)
                if value is None:
                    continue
                if index < 2:  # per-row inputs: this chunk's rows
                    if grads[index] is None:
                        grads[index] = torch.zeros_like((invariants, window)[index])
                    grads[index][rows] = value
                else:  # parameters: summed over chunks
                    grads[index] = value if grads[index] is None else grads[index].add_(value)
        return grads[0], grads[1], None, None, None, *grads[2:]


def _sample(module: KernelBasis, invariants: torch.Tensor, window: torch.Tensor, chunk: int | None,
            dtype: torch.dtype | None) -> torch.Tensor:
    """The windowed basis ``module(invariants) * window`` in ``dtype`` (None = the invariants');
    with ``chunk``, row-chunked (into one buffer, activations recomputed in backward) so that only the
    output is kept.

    Shapes:
        invariants: [E, O, D]; window: [E, 1, 1]; output: [E, O, K]
    """
    dtype = dtype or invariants.dtype
    if chunk is None:
        basis = module(invariants) * window
        return basis if basis.dtype == dtype else basis.to(dtype)
    return _ChunkedBasis.apply(invariants, window, module, chunk, dtype, *module.parameters())


class FibreBundle(nn.Module):
    """Features on a grid of ``num_ori`` orientations per point; exact in translations and
    permutations, rotation-equivariant up to the grid's discretisation.

    Args:
        num_ori: grid size O (> 0). Even sizes give an antipodal grid (faster, see PairEdges).
        hidden_dim, basis_dim, degree: kernel-basis MLP settings.
        radius: smooth cutoff radius (None = no cutoff).
        grid_seed: seed of the sphere grid.
        edge_chunk_size: rows per chunk for memory-light basis sampling (None = all at once).
        basis_dtype: dtype in which the sampled spatial basis is stored (e.g. bfloat16 when the
            kernel GEMMs run in it: half the memory of the largest tensor); None = the input's.
    """

    def __init__(self, *, num_ori: int, hidden_dim: int, basis_dim: int, degree: int, radius: float | None,
                 grid_seed: int = 0, edge_chunk_size: int | None = None,
                 basis_dtype: torch.dtype | None = None) -> None:
        super().__init__()
        grid = sphere_grid(num_ori, seed=grid_seed).to(torch.get_default_dtype())
        self.register_buffer("grid", grid)
        sigma = antipodal_permutation(grid)
        self.register_buffer("sigma", sigma if sigma is not None else torch.empty(0, dtype=torch.long))
        self.spatial_basis = KernelBasis(in_dim=2, hidden_dim=hidden_dim, basis_dim=basis_dim, degree=degree)
        self.fibre_basis = KernelBasis(in_dim=1, hidden_dim=hidden_dim, basis_dim=basis_dim, degree=degree)
        self.cutoff = PolynomialCutoff(radius)
        self.edge_chunk_size = edge_chunk_size
        self.basis_dtype = basis_dtype

    @property
    def num_orientations(self) -> int:
        return self.grid.shape[0]

    def lifted_channels(self, in_channels: int, in_vector_channels: int) -> int:
        return in_channels + in_vector_channels

    def lift(self, x: torch.Tensor | None, vec: torch.Tensor | None) -> torch.Tensor:
        """Scalars are constant over the sphere, vectors become f(o) = vᵀo.

        Shapes:
            x: [N, C_s]; vec: [N, C_v, 3]; output: [N, O, C_s + C_v]
        """
        parts = []
        if x is not None:
            parts.append(x.unsqueeze(1).expand(-1, self.num_orientations, -1))
        if vec is not None:
            parts.append(torch.einsum("ncd,od->noc", vec, self.grid))
        return torch.cat(parts, dim=-1)

    def sample(self, pos: torch.Tensor, edges: PairEdges) -> SampledKernels:
        sigma = self.sigma if self.sigma.numel() else None
        if sigma is None:
            edges = edges.expanded()
        rel = pos[edges.src] - pos[edges.dst]  # [E, 3]
        window = self.cutoff(pair_distance(rel))[:, None, None]  # [E, 1, 1]
        invariants = fibre_bundle_invariants(rel, self.grid)  # [E, O, 2]
        chunk = None
        if self.edge_chunk_size is not None:  # activations of at most ~16 MB per chunk (below glibc's mmap threshold)
            widest = max(self.spatial_basis.basis_dim, self.spatial_basis.hidden_dim) * self.num_orientations
            chunk = max(1, min(self.edge_chunk_size, _BASIS_CHUNK_ELEMENTS // widest))
        basis = _sample(self.spatial_basis, invariants, window, chunk, self.basis_dtype)  # [E, O, K]
        loop_basis = self.spatial_basis(invariants.new_zeros(1, 2)).squeeze(0) * self.cutoff(pos.new_zeros(()))
        fibre_basis = self.fibre_basis(orientation_invariants(self.grid))  # [O, O, K]
        return SampledKernels(edges, basis, loop_basis, fibre_basis, sigma, rel, pos.shape[0])

    def readout(self, signal: torch.Tensor, num_scalars: int, kernels: SampledKernels,
                vec: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Scalars: mean over the sphere; vectors: mean of f(o)·o.

        Shapes:
            signal: [N, O, S + V]; output: [N, S], [N, V, 3]
        """
        scalar, vector = signal.split([num_scalars, signal.shape[-1] - num_scalars], dim=-1)
        vectors = torch.einsum("nov,od->nvd", vector, self.grid) / self.num_orientations
        return scalar.mean(dim=1), vectors


class PointCloud(nn.Module):
    """Features on points only (O = 1): kernels of the distance, vectors enter through their
    invariants (norms and mutual dot products) and leave as Σ_j w_ij (x_j - x_i) plus a
    node-wise mix of the input vectors — exactly E(3)-equivariant.

    Args:
        in_vector_channels, out_vector_channels: vector widths (for the readout weights).
        hidden_dim, basis_dim, degree, radius: as in :class:`FibreBundle`.
    """

    def __init__(self, *, in_vector_channels: int, out_vector_channels: int, hidden_dim: int, basis_dim: int,
                 degree: int, radius: float | None) -> None:
        super().__init__()
        self.spatial_basis = KernelBasis(in_dim=1, hidden_dim=hidden_dim, basis_dim=basis_dim, degree=degree)
        self.cutoff = PolynomialCutoff(radius)
        self.radial = nn.Linear(basis_dim, out_vector_channels, bias=False)
        self.vector_mix = (nn.Linear(out_vector_channels, in_vector_channels * out_vector_channels)
                           if in_vector_channels else None)
        self.register_buffer("sigma", torch.zeros(1, dtype=torch.long))  # distance kernels are symmetric

    num_orientations = 1

    def lifted_channels(self, in_channels: int, in_vector_channels: int) -> int:
        return in_channels + in_vector_channels * (in_vector_channels + 1) // 2

    def lift(self, x: torch.Tensor | None, vec: torch.Tensor | None) -> torch.Tensor:
        """Shapes: x [N, C_s]; vec [N, C_v, 3]; output [N, 1, C_s + C_v (C_v + 1) / 2]."""
        parts = [] if x is None else [x]
        if vec is not None:
            rows, cols = torch.triu_indices(vec.shape[1], vec.shape[1], device=vec.device)
            parts.append(torch.einsum("nad,nbd->nab", vec, vec)[:, rows, cols])  # Gram entries
        return torch.cat(parts, dim=-1).unsqueeze(1)

    def sample(self, pos: torch.Tensor, edges: PairEdges) -> SampledKernels:
        rel = pos[edges.src] - pos[edges.dst]  # [E, 3]
        dist = pair_distance(rel)
        basis = self.spatial_basis(dist[:, None, None]) * self.cutoff(dist)[:, None, None]  # [E, 1, K]
        loop_basis = self.spatial_basis(dist.new_zeros(1, 1)).squeeze(0) * self.cutoff(dist.new_zeros(()))
        return SampledKernels(edges, basis, loop_basis, None, self.sigma, rel, pos.shape[0])

    def readout(self, signal: torch.Tensor, num_scalars: int, kernels: SampledKernels,
                vec: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Shapes: signal [N, 1, S + V]; output [N, S], [N, V, 3]."""
        scalar, gate = signal[:, 0].split([num_scalars, signal.shape[-1] - num_scalars], dim=-1)
        # self-loops have rel = 0 and add nothing here
        edges = kernels.edges.expanded()
        basis, rel = kernels.basis[:, 0], kernels.rel  # [E, K], x_src - x_dst [E, 3]
        if kernels.edges.symmetric:
            basis, rel = torch.cat([basis, basis]), torch.cat([rel, -rel])  # [E_full, ...]
        weight = self.radial(basis) * gate[edges.src]  # [E_full, V]
        vectors = torch.zeros(gate.shape[0], gate.shape[1], 3, dtype=signal.dtype, device=signal.device)
        # under autocast weight (a linear's output) and rel may differ in dtype from signal
        vectors.index_add_(0, edges.dst, (weight.unsqueeze(-1) * rel.unsqueeze(1)).to(vectors.dtype))  # [N, V, 3]
        if self.vector_mix is not None and vec is not None:
            mix = self.vector_mix(gate).view(-1, vec.shape[1], gate.shape[1])  # [N, C_v, V]
            vectors = vectors + torch.einsum("ncd,ncv->nvd", vec, mix)
        return scalar, vectors
