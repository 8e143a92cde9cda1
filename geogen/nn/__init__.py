"""Backbones and layers (one concept per file; each backbone family in its own subpackage)."""

from geogen.nn.gdss import ScoreNetworkA, ScoreNetworkX, ScoreNetworkXGMH
from geogen.nn.graph_heads import EdgeScoreHead, NodeScoreHead, TimeEmbedding
from geogen.nn.ponita import PONITA, DenoiserOutput, PonitaDenoiser, PonitaOutput
from geogen.nn.radius import radius_graph
from geogen.nn.sheaf import (
    ContinuousSheafDiffusion,
    NeuralSheafDiffusion,
    SheafDenseBackbone,
)

__all__ = [
    "radius_graph",
    "ScoreNetworkX",
    "ScoreNetworkXGMH",
    "ScoreNetworkA",
    "NodeScoreHead",
    "EdgeScoreHead",
    "TimeEmbedding",
    "NeuralSheafDiffusion",
    "ContinuousSheafDiffusion",
    "SheafDenseBackbone",
    "PONITA",
    "PonitaOutput",
    "PonitaDenoiser",
    "DenoiserOutput",
]
