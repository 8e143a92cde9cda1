"""Kernel bases of PONITA: polynomial features of the pair invariants through a small MLP, and a smooth cutoff."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["PolynomialFeatures", "PolynomialCutoff", "KernelBasis", "polynomial_feature_dim"]


def polynomial_feature_dim(in_dim: int, degree: int) -> int:
    """Width of :class:`PolynomialFeatures` output: in_dim + in_dim² + ... + in_dim^degree."""
    return sum(in_dim ** power for power in range(1, degree + 1))


class PolynomialFeatures(nn.Module):
    """All monomials of the inputs up to ``degree`` (repeated outer products, flattened).

    Shapes:
        input: [..., D]; output: [..., D + D² + ... + D^degree]
    """

    def __init__(self, degree: int) -> None:
        super().__init__()
        self.degree = degree

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        terms = [inputs]
        for _ in range(1, self.degree):
            # [..., D^k, 1] * [..., 1, D] -> [..., D^(k+1)]
            terms.append((terms[-1].unsqueeze(-1) * inputs.unsqueeze(-2)).flatten(-2))
        return torch.cat(terms, dim=-1)


class PolynomialCutoff(nn.Module):
    """Smooth envelope 1 - (p+1)(p+2)/2 u^p + p(p+2) u^(p+1) - p(p+1)/2 u^(p+2), u = r / radius.

    It and its first two derivatives vanish at ``radius`` (DimeNet's envelope), so messages
    switch on smoothly as particles enter the cutoff sphere. ``radius=None`` gives 1 everywhere.

    Shapes:
        input: [...] distances; output: [...]
    """

    def __init__(self, radius: float | None, power: int = 6) -> None:
        super().__init__()
        self.radius = radius
        self.power = power

    def forward(self, dist: torch.Tensor) -> torch.Tensor:
        if self.radius is None:
            return torch.ones_like(dist)
        p = self.power
        u = dist / self.radius
        envelope = (1.0 - (p + 1) * (p + 2) / 2 * u ** p + p * (p + 2) * u ** (p + 1)
                    - p * (p + 1) / 2 * u ** (p + 2))
        return envelope * (u < 1)


class KernelBasis(nn.Module):
    """Basis functions sampled at invariants: PolynomialFeatures -> Linear -> GELU -> Linear -> GELU.

    Args:
        in_dim: number of invariants per row.
        hidden_dim: width of the hidden layer.
        basis_dim: number of basis functions.
        degree: polynomial degree.

    Shapes:
        input: [..., in_dim]; output: [..., basis_dim]
    """

    def __init__(self, *, in_dim: int, hidden_dim: int, basis_dim: int, degree: int) -> None:
        super().__init__()
        self.basis_dim, self.hidden_dim = basis_dim, hidden_dim
        self.net = nn.Sequential(PolynomialFeatures(degree), nn.Linear(polynomial_feature_dim(in_dim, degree), hidden_dim),
                                 nn.GELU(), nn.Linear(hidden_dim, basis_dim), nn.GELU())

    def forward(self, invariants: torch.Tensor) -> torch.Tensor:
        return self.net(invariants)
