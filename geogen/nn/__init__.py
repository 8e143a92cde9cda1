"""Backbones and layers (one concept per file)."""

from geogen.nn.radius import radius_graph

__all__ = ["radius_graph"]
