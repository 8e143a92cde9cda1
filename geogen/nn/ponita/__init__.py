"""PONITA backbone: SE(3)-equivariant convolutions on position–orientation space."""

from geogen.nn.ponita.basis import KernelBasis, PolynomialCutoff, PolynomialFeatures
from geogen.nn.ponita.denoiser import DenoiserOutput, PonitaDenoiser, sinusoidal_embedding
from geogen.nn.ponita.edges import PairEdges, fully_connected_pairs
from geogen.nn.ponita.model import PONITA, PonitaOutput
from geogen.nn.ponita.sphere_grid import antipodal_permutation, sphere_grid

__all__ = ["PONITA", "PonitaOutput", "PonitaDenoiser", "DenoiserOutput", "sinusoidal_embedding", "KernelBasis",
           "PolynomialCutoff", "PolynomialFeatures", "PairEdges", "fully_connected_pairs", "sphere_grid",
           "antipodal_permutation"]
