"""Neural Sheaf Diffusion node classifier (Bodnar et al., NeurIPS 2022)."""

from __future__ import annotations

from typing import Callable

import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.sheaf.builders import SheafBuilder
from geogen.nn.sheaf.dropout import dropout
from geogen.nn.sheaf.features import NodeFeatures, as_node_features, prepare_node_features
from geogen.nn.sheaf.graph import SheafGraph
from geogen.nn.sheaf.layer import SheafDiffusionLayer

__all__ = ["NeuralSheafDiffusion", "as_sheaf_graph"]


def as_sheaf_graph(graph: SheafGraph | Tensor, num_nodes: int) -> SheafGraph:
    """Accept a precomputed :class:`SheafGraph` or a raw undirected ``edge_index [2, E]``."""
    return graph if isinstance(graph, SheafGraph) else SheafGraph.from_edge_index(graph, num_nodes)


class NeuralSheafDiffusion(nn.Module):
    """Discrete NSD: encoder MLP, ``num_layers`` sheaf diffusion layers, linear decoder.

    Args:
        in_channels: F, input node features.
        out_channels: number of classes (logits).
        hidden_channels: C, channels per stalk dimension; the hidden width is D*C.
        num_layers: diffusion layers.
        sheaf: builds a :class:`SheafBuilder` given ``hidden_channels=`` (e.g. a
            ``functools.partial(OrthogonalSheaf, stalk_dim=3)``); called once per layer, or once
            in total when ``nonlinear`` is False.
        nonlinear: learn a new sheaf at every layer from the current signal (NSD default).
        input_dropout, dropout: dropout on the raw features and inside the layers.
        use_act: ELU in the encoder and the layers.
        second_linear: a second encoder linear layer (no activation after it, as in NSD).
        left_weights, right_weights: see :class:`SheafDiffusionLayer`.
    """

    def __init__(self, *, in_channels: int, out_channels: int, hidden_channels: int, num_layers: int,
                 sheaf: Callable[..., SheafBuilder], nonlinear: bool = True, input_dropout: float = 0.0,
                 dropout: float = 0.0, use_act: bool = True, second_linear: bool = False,
                 left_weights: bool = True, right_weights: bool = True) -> None:
        super().__init__()
        builders = [sheaf(hidden_channels=hidden_channels) for _ in range(num_layers if nonlinear else 1)]
        builders += [None] * (num_layers - len(builders))
        self.stalk_dim = builders[0].total_dim
        self.hidden_channels = hidden_channels
        width = self.stalk_dim * hidden_channels
        self.input_dropout, self.dropout, self.use_act = input_dropout, dropout, use_act
        self.encoder = nn.Linear(in_channels, width)
        self.second = nn.Linear(width, width) if second_linear else None
        self.layers = nn.ModuleList(
            SheafDiffusionLayer(builder=b, stalk_dim=self.stalk_dim, hidden_channels=hidden_channels, dropout=dropout,
                                map_dropout=i > 0, use_act=use_act, left_weights=left_weights,
                                right_weights=right_weights)
            for i, b in enumerate(builders))
        self.decoder = nn.Linear(width, out_channels)

    def encode(self, x: Tensor | NodeFeatures) -> Tensor:
        """Shapes: x [N, F] -> [N, D, C]."""
        h = as_node_features(x).dropout(self.input_dropout, self.training).linear(self.encoder)
        h = dropout(F.elu(h) if self.use_act else h, self.dropout, self.training)
        if self.second is not None:
            h = self.second(h)
        return h.view(h.size(0), self.stalk_dim, self.hidden_channels)  # [N, D, C]

    def diffuse(self, h: Tensor, graph: SheafGraph) -> Tensor:
        """Shapes: h [N, D, C] -> [N, D, C] after all layers."""
        laplacian = None
        for layer in self.layers:
            h, laplacian = layer(h, graph, laplacian)
        return h

    def forward(self, x: Tensor | NodeFeatures, edge_index: SheafGraph | Tensor) -> Tensor:
        """Logits per node.

        Args:
            x: [N, F] node features, or :meth:`prepare_features` output (reuse it across epochs).
            edge_index: [2, E] undirected edge index, or a precomputed :class:`SheafGraph`
                (reuse it across epochs to skip the edge pairing).
        Returns:
            [N, out_channels] logits.
        """
        h = self.encode(x)
        h = self.diffuse(h, as_sheaf_graph(edge_index, h.size(0)))
        return self.decoder(h.reshape(h.size(0), -1))

    @staticmethod
    def prepare_graph(edge_index: Tensor, num_nodes: int) -> SheafGraph:
        """The index structures to reuse across forward calls on one graph."""
        return SheafGraph.from_edge_index(edge_index, num_nodes)

    prepare_features = staticmethod(prepare_node_features)

    # Names of the encoder parameters that :meth:`stacked_encoding` consumes.
    encoder_parameters = ("encoder.weight", "encoder.bias")

    def stacked_encoding(self, x: Tensor | NodeFeatures, weight: Tensor, bias: Tensor) -> Tensor:
        """The encoder's linear image for S stacked parameter sets, input dropout drawn per set.

        Feed slice s to :meth:`forward` as ``EncodedFeatures(h[s])`` to finish model s.

        Shapes:
            weight: [S, D*C, F]; bias: [S, D*C] -> [S, N, D*C].
        """
        return as_node_features(x).stacked_linear(weight, bias, self.input_dropout, self.training)

    def grouped_parameters(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """(restriction-map and edge-weight learner parameters, all others): NSD's two weight decays."""
        sheaf = [p for name, p in self.named_parameters() if ".builder." in name]
        ids = {id(p) for p in sheaf}
        return sheaf, [p for p in self.parameters() if id(p) not in ids]
