"""Sheaf builders: learn restriction maps from node features and assemble the normalised Laplacian.

One class per restriction-map family (diagonal, orthogonal, general). Every builder maps
``x [N, D, C]`` and a :class:`SheafGraph` to a :class:`SheafLaplacian` over ``D = d + extra``
stalk dimensions, where the optional extra dimensions carry NSD's fixed (non-learned)
channels: ``low_pass`` adds the normalised signless Laplacian D + A (NSD's ``add_lp``: off-diagonal
entries +1) and ``high_pass`` the normalised graph Laplacian D - A (``add_hp``: entries -1).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from geogen.nn.compiled_kernels import default_kernels
from geogen.nn.sheaf.connection_blocks import FUSED_MIN_EDGES, connection_blocks
from geogen.nn.sheaf.graph import SheafGraph
from geogen.nn.sheaf.laplacian import (BlockLaplacian, ConnectionLaplacian, DiagonalLaplacian, SheafLaplacian,
                                       StackedLaplacian, symmetric_normalise)
from geogen.nn.sheaf.learners import ConcatMapLearner, EdgeWeightLearner
from geogen.nn.sheaf.orthogonal import Householder, OrthogonalMap

__all__ = ["SheafBuilder", "DiagonalSheaf", "OrthogonalSheaf", "GeneralSheaf"]


class SheafBuilder(nn.Module):
    """Base: learner input, fixed channels, stacking.

    Args:
        stalk_dim: d, the learned stalk dimension.
        hidden_channels: C, channels per stalk dimension of the diffused signal.
        low_pass, high_pass: append NSD's fixed channels (one stalk dimension each).
        sum_stalks: feed the learner the per-node sum over stalk dimensions ([N, C], NSD's
            ``sparse_learner``) instead of the whole stalk ([N, D*C]).
        augmented: normalise by (degree + 1) as NSD does; False = textbook normalisation.
        activation: applied to the learner output (default tanh, NSD's ``sheaf_act``).
    """

    def __init__(self, *, stalk_dim: int, hidden_channels: int, low_pass: bool = False, high_pass: bool = False,
                 sum_stalks: bool = False, augmented: bool = True, activation: nn.Module | None = None) -> None:
        super().__init__()
        self.stalk_dim = stalk_dim
        self.signs = [1.0] * int(low_pass) + [-1.0] * int(high_pass)
        self.total_dim = stalk_dim + len(self.signs)
        self.sum_stalks = sum_stalks
        self.augmented = augmented
        learner_in = hidden_channels if sum_stalks else self.total_dim * hidden_channels
        self.learner = ConcatMapLearner(in_channels=learner_in, out_channels=self.num_map_params,
                                        activation=activation)

    @property
    def num_map_params(self) -> int:
        raise NotImplementedError

    def learner_input(self, x: Tensor) -> Tensor:
        """Shapes: x [N, D, C] -> [N, C] (summed) or [N, D*C]."""
        return x.sum(dim=1) if self.sum_stalks else x.reshape(x.size(0), -1)

    def learned(self, x: Tensor, graph: SheafGraph) -> SheafLaplacian:
        raise NotImplementedError

    def fixed(self, graph: SheafGraph, like: Tensor) -> DiagonalLaplacian:
        """The normalised fixed channels: diag = degree, off-diagonal = sign * edge weight."""
        signs = like.new_tensor(self.signs)  # [k]
        diag = graph.degree.to(like.dtype).unsqueeze(1).expand(-1, len(self.signs))  # [N, k]
        off = graph.weighted(like.new_ones(graph.num_edges, 1)) * signs  # [E, k]
        diag, off = symmetric_normalise(diag, off, graph, self.augmented)
        return DiagonalLaplacian(graph=graph, diag=diag, off=off)

    def forward(self, x: Tensor, graph: SheafGraph) -> SheafLaplacian:
        """Shapes: x [N, D, C] -> a Laplacian over D stalk dimensions."""
        learned = self.learned(x, graph)
        if not self.signs:
            return learned
        return StackedLaplacian(parts=(learned, self.fixed(graph, x)))


class DiagonalSheaf(SheafBuilder):
    """Diagonal restriction maps F_{v<e} = diag(f_e) (Diag-NSD)."""

    @property
    def num_map_params(self) -> int:
        return self.stalk_dim

    def learned(self, x: Tensor, graph: SheafGraph) -> DiagonalLaplacian:
        maps = self.learner(self.learner_input(x), graph)  # [E, d]
        diag = x.new_zeros(graph.num_nodes, self.stalk_dim).index_add(0, graph.row, graph.weighted(maps * maps))
        off = -graph.weighted(maps * maps.index_select(0, graph.reverse))  # [E, d]
        diag, off = symmetric_normalise(diag, off, graph, self.augmented)
        return DiagonalLaplacian(graph=graph, diag=diag, off=off)


class OrthogonalSheaf(SheafBuilder):
    """Orthogonal restriction maps times learned edge weights (O(d)-NSD, a connection Laplacian).

    Args:
        orthogonal_map: the parametrisation (:class:`Householder` default, Cayley, matrix exp).
        edge_weights: learn symmetric edge weights (NSD's ``edge_weights``, default True).
        fused: on the CPU, for graphs of at least ``FUSED_MIN_EDGES`` directed edges and maps with an
            entry-wise form (Householder), build the edge blocks with the compiled kernel of
            :mod:`geogen.nn.sheaf.connection_blocks`; same maths as the ``bmm`` path.
        (other arguments as :class:`SheafBuilder`)
    """

    def __init__(self, *, stalk_dim: int, hidden_channels: int, orthogonal_map: type[OrthogonalMap] = Householder,
                 edge_weights: bool = True, fused: bool = True, **kwargs) -> None:
        self.orthogonal_map = orthogonal_map(stalk_dim)
        self.fused = fused
        super().__init__(stalk_dim=stalk_dim, hidden_channels=hidden_channels, **kwargs)
        self.weight_learner = (EdgeWeightLearner(in_channels=self.total_dim * hidden_channels)
                               if edge_weights else None)

    @property
    def num_map_params(self) -> int:
        return self.orthogonal_map.num_params

    def learned(self, x: Tensor, graph: SheafGraph) -> ConnectionLaplacian:
        params = self.learner(self.learner_input(x), graph)  # [E, d(d-1)/2]
        if self.weight_learner is not None:
            weight = self.weight_learner(x.reshape(x.size(0), -1), graph) ** 2  # [E]
        else:
            weight = x.new_ones(graph.num_edges)
        weight = graph.weighted(weight).unsqueeze(1)  # [E, 1]
        diag = x.new_zeros(graph.num_nodes, 1).index_add(0, graph.row, weight)  # [N, 1]
        # Normalise the scalar edge weights before they meet the d x d blocks: one pass over [E, d, d].
        diag, weight = symmetric_normalise(diag, weight, graph, self.augmented)  # [N, 1], [E, 1]
        return ConnectionLaplacian(graph=graph, diag=diag.squeeze(1), off=self._blocks(params, weight.squeeze(1), graph))

    def _blocks(self, params: Tensor, weight: Tensor, graph: SheafGraph) -> Tensor:
        """``-w_e F_e^T F_rev(e)`` per directed edge; shapes: params [E, P], weight [E] -> [E, d, d]."""
        d, kernels = self.stalk_dim, default_kernels()
        # not under vmap (stacked splits): the compiled kernel takes plain tensors only
        if (self.fused and self.orthogonal_map.has_entries and params.device.type == "cpu"
                and graph.num_edges >= FUSED_MIN_EDGES and kernels.enabled
                and not torch._C._functorch.is_batchedtensor(params)):
            batch_last = params.t().contiguous()  # [P, E]
            blocks = connection_blocks(self.orthogonal_map, batch_last, batch_last.index_select(1, graph.reverse),
                                       weight, kernels)  # [E, d*d]
            return blocks.view(-1, d, d)
        maps = self.orthogonal_map(params)  # [E, d, d]
        return weight.neg().view(-1, 1, 1) * torch.bmm(maps.transpose(1, 2), maps.index_select(0, graph.reverse))


class GeneralSheaf(SheafBuilder):
    """Unconstrained d x d restriction maps (Gen-NSD), block-normalised by (D + I)^-1/2.

    During training the identity added before the inverse square root is jittered by
    U(-1e-3, 1e-3) per dimension, as NSD does: equal eigenvalues make the gradient of the
    eigendecomposition infinite.
    """

    @property
    def num_map_params(self) -> int:
        return self.stalk_dim * self.stalk_dim

    def learned(self, x: Tensor, graph: SheafGraph) -> BlockLaplacian:
        d = self.stalk_dim
        maps = self.learner(self.learner_input(x), graph).view(-1, d, d)  # [E, d, d]
        gram = graph.weighted(torch.bmm(maps.transpose(1, 2), maps))  # [E, d, d]
        diag = x.new_zeros(graph.num_nodes, d, d).index_add(0, graph.row, gram)
        off = -graph.weighted(torch.bmm(maps.transpose(1, 2), maps.index_select(0, graph.reverse)))  # [E, d, d]
        # U(-1e-3, 1e-3) drawn out of place from a tensor of the batch: independent per split under vmap.
        jitter = (torch.rand_like(diag[0, 0]) * 2.0 - 1.0) * 1e-3 if self.training else 0.0  # [d]
        shift = torch.diag_embed(x.new_ones(d) * (1.0 + jitter)) if self.augmented else 0.0
        values, vectors = torch.linalg.eigh(diag + shift)
        inv_sqrt = vectors @ torch.diag_embed(values.clamp(min=1e-12).rsqrt()) @ vectors.transpose(1, 2)
        off = (inv_sqrt.index_select(0, graph.row) @ off @ inv_sqrt.index_select(0, graph.col)).clamp(-1.0, 1.0)
        diag = (inv_sqrt @ diag @ inv_sqrt).clamp(-1.0, 1.0)
        return BlockLaplacian(graph=graph, diag=diag, off=off)
