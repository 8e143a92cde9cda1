"""geogen: generative models of graphs, molecules and 3D geometry on shared processes and samplers."""

__version__ = "0.1.0"

__all__ = ["__version__"]
