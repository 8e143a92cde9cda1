"""SE(3)-invariant attributes of point pairs (R³) and of position–orientation pairs (R³×S²)."""

from __future__ import annotations

import torch

__all__ = ["pair_distance", "fibre_bundle_invariants", "orientation_invariants"]


def _safe_sqrt(value: torch.Tensor) -> torch.Tensor:
    """sqrt with a zero (not infinite) gradient at 0, so self-loops and colinear pairs stay finite."""
    positive = value > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, value, torch.ones_like(value))),
                       torch.zeros_like(value))


def pair_distance(rel: torch.Tensor) -> torch.Tensor:
    """|x_j - x_i| per edge.

    Shapes:
        rel: [E, 3]; output: [E]
    """
    return _safe_sqrt((rel * rel).sum(-1))


def fibre_bundle_invariants(rel: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Per edge and orientation o: (oᵀ rel, |rel - (oᵀ rel) o|), the bijective invariants of
    (x_j - x_i, o) under rotations about o.

    Shapes:
        rel: [E, 3]; grid: [O, 3]; output: [E, O, 2]
    """
    along = rel @ grid.T  # [E, O]
    across = _safe_sqrt((rel * rel).sum(-1, keepdim=True) - along * along)  # [E, O]
    return torch.stack([along, across], dim=-1)


def orientation_invariants(grid: torch.Tensor) -> torch.Tensor:
    """oᵀ o' between all grid points (the invariant of the fibre S²).

    Shapes:
        grid: [O, 3]; output: [O, O, 1]
    """
    return (grid @ grid.T).unsqueeze(-1)
