"""Parametrisations of batches of orthogonal d x d matrices from d(d-1)/2 free parameters each."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["OrthogonalMap", "Householder", "Cayley", "MatrixExponential"]


def _strict_lower(params: Tensor, d: int) -> Tensor:
    """[E, d(d-1)/2] -> [E, d, d] with the parameters below the diagonal, zeros elsewhere."""
    rows, cols = torch.tril_indices(d, d, offset=-1, device=params.device)
    out = params.new_zeros(params.size(0), d, d)
    out[:, rows, cols] = params
    return out


class OrthogonalMap:
    """Maps unconstrained parameters to orthogonal matrices (one per edge).

    Args:
        d: matrix size (the stalk dimension).
    """

    def __init__(self, d: int) -> None:
        self.d = d

    @property
    def num_params(self) -> int:
        return self.d * (self.d - 1) // 2

    def __call__(self, params: Tensor) -> Tensor:
        """Shapes: params [E, d(d-1)/2] -> [E, d, d] orthogonal."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d})"


class Householder(OrthogonalMap):
    """Product of d Householder reflections with unit lower-triangular vectors (NSD's default).

    The reflection vectors are the columns of ``I + strict_lower(params)``, as in
    ``torch_householder_orgqr``; the product covers O(d), reflections included.
    """

    def __call__(self, params: Tensor) -> Tensor:
        vectors = _strict_lower(params, self.d) + torch.eye(self.d, dtype=params.dtype, device=params.device)
        q = torch.eye(self.d, dtype=params.dtype, device=params.device).expand_as(vectors)
        for i in range(self.d):
            v = vectors[:, :, i]  # [E, d]
            qv = torch.einsum("eij,ej->ei", q, v)  # [E, d]
            scale = 2.0 / (v * v).sum(-1, keepdim=True)  # [E, 1]
            q = q - (scale * qv).unsqueeze(-1) * v.unsqueeze(-2)  # Q (I - 2vv^T/v^Tv)
        return q


class Cayley(OrthogonalMap):
    """Cayley transform (I - A/2)^{-1} (I + A/2) of the skew-symmetric A = P - P^T (SO(d))."""

    def __call__(self, params: Tensor) -> Tensor:
        lower = _strict_lower(params, self.d)
        skew = lower - lower.transpose(-1, -2)
        eye = torch.eye(self.d, dtype=params.dtype, device=params.device)
        return torch.linalg.solve(eye - 0.5 * skew, eye + 0.5 * skew)


class MatrixExponential(OrthogonalMap):
    """Matrix exponential of the skew-symmetric A = P - P^T (SO(d))."""

    def __call__(self, params: Tensor) -> Tensor:
        lower = _strict_lower(params, self.d)
        return torch.linalg.matrix_exp(lower - lower.transpose(-1, -2))
