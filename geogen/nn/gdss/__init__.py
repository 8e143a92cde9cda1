"""GDSS's score networks (Jo et al., ICML 2022), batched, with loaders for the official weights."""

from geogen.nn.gdss.attention import GraphAttentionLayer
from geogen.nn.gdss.mlp import MLP
from geogen.nn.gdss.score_adj import ScoreNetworkA
from geogen.nn.gdss.score_x import ScoreNetworkX, ScoreNetworkXGMH

__all__ = ["GraphAttentionLayer", "MLP", "ScoreNetworkA", "ScoreNetworkX", "ScoreNetworkXGMH"]
