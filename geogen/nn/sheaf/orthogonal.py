"""Parametrisations of batches of orthogonal d x d matrices from d(d-1)/2 free parameters each."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["OrthogonalMap", "Householder", "Cayley", "MatrixExponential"]


def _lower_basis(d: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """[d(d-1)/2, d*d] one-hot rows placing each parameter below the diagonal."""
    rows, cols = torch.tril_indices(d, d, offset=-1, device=device)
    return torch.eye(d * d, dtype=dtype, device=device)[rows * d + cols]


def _strict_lower(params: Tensor, d: int, basis: Tensor | None = None) -> Tensor:
    """[E, d(d-1)/2] -> [E, d, d] with the parameters below the diagonal, zeros elsewhere.

    A matmul with a constant one-hot basis: one GEMM forward and backward instead of an
    ``index_put`` whose backward is a gather (far fewer, cheaper kernels for small d).
    """
    basis = _lower_basis(d, params.dtype, params.device) if basis is None else basis
    return (params @ basis).view(-1, d, d)


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

    # Whether :meth:`entries` is implemented (the fused connection-block kernel needs it).
    has_entries = False

    def __call__(self, params: Tensor) -> Tensor:
        """Shapes: params [E, d(d-1)/2] -> [E, d, d] orthogonal."""
        raise NotImplementedError

    def entries(self, params: Tensor) -> list[list[Tensor | float]]:
        """The same matrices entry by entry on batch-last parameters, for fused kernels.

        Shapes:
            params [d(d-1)/2, E] -> ``q[a][b]``: [E] tensors (floats where constant), entry (a, b).
        """
        raise NotImplementedError(f"{type(self).__name__} has no entry-wise form")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d})"


class Householder(OrthogonalMap):
    """Product of d Householder reflections with unit lower-triangular vectors (NSD's default).

    The reflection vectors are the columns of ``I + strict_lower(params)``, as in
    ``torch_householder_orgqr``; the product covers O(d), reflections included.
    """

    has_entries = True

    def __init__(self, d: int) -> None:
        super().__init__(d)
        # Constants per (dtype, device), built once: they are a third of the per-call operators on small graphs.
        self._constants: dict = {}
        # (row, col) below the diagonal -> parameter index, in torch.tril_indices order (row-major), as
        # plain Python: a tensor here would break the compiled graph of `entries`.
        self._index = {pair: k for k, pair in enumerate((r, c) for r in range(d) for c in range(r))}

    def _constant(self, params: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(identity [d, d], lower basis, last-column flip [d]) for ``params``' dtype and device."""
        key = (params.dtype, params.device)
        if key not in self._constants:
            flip = torch.ones(self.d, dtype=params.dtype, device=params.device)
            flip[-1] = -1.0
            self._constants[key] = (torch.eye(self.d, dtype=params.dtype, device=params.device),
                                    _lower_basis(self.d, params.dtype, params.device), flip)
        return self._constants[key]

    def __call__(self, params: Tensor) -> Tensor:
        eye, basis, flip = self._constant(params)
        vectors = _strict_lower(params, self.d, basis) + eye  # [E, d, d]
        q = None
        # The last vector is always e_d, whose reflection flips the last column: no product needed.
        for i in range(self.d - 1):
            v = vectors[:, :, i]  # [E, d]
            scale = 2.0 / (v * v).sum(-1, keepdim=True)  # [E, 1]
            # Q (I - 2vv^T/v^Tv); the first factor multiplies the identity, so Qv = v.
            qv = v if q is None else (q @ v.unsqueeze(-1)).squeeze(-1)  # [E, d]
            update = (scale * qv).unsqueeze(-1) * v.unsqueeze(-2)  # [E, d, d]
            q = eye - update if q is None else q - update
        if q is None:  # d = 1: the single reflection is -1
            return (-eye).expand(params.size(0), 1, 1)
        return q * flip


    def entries(self, params: Tensor) -> list[list[Tensor | float]]:
        """:meth:`__call__` entry by entry (same reflections and order).

        Q = H_0 H_1 ... H_{d-2} with reflection vector i = column i of ``I + strict_lower(params)``,
        then the last column flipped (the reflection of e_d).
        """
        d, index = self.d, self._index
        q: list[list] | None = None
        for i in range(d - 1):
            # v[k]: structural zero above the diagonal (never read), 1 on it, a parameter below it
            v = [0.0 if k < i else 1.0 if k == i else params[index[(k, i)]] for k in range(d)]
            norm = 1.0
            for k in range(i + 1, d):
                norm = norm + v[k] * v[k]
            scale = 2.0 / norm  # [E]
            if q is None:  # Q = I - s v v^T (here i = 0: v has no structural zeros)
                q = [[(1.0 if a == b else 0.0) - scale * v[a] * v[b] for b in range(d)] for a in range(d)]
                continue
            qv = []  # s Q v
            for a in range(d):
                total = 0.0
                for k in range(i, d):
                    total = total + q[a][k] * v[k]
                qv.append(scale * total)
            q = [[q[a][b] - qv[a] * v[b] if b >= i else q[a][b] for b in range(d)] for a in range(d)]
        if q is None:  # d = 1: the single reflection is -1
            return [[-1.0]]
        return [[-q[a][b] if b == d - 1 else q[a][b] for b in range(d)] for a in range(d)]


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
