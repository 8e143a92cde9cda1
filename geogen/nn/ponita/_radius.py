"""Radius graph for PONITA: geogen.nn.radius when present, else a private pure-torch fallback."""

from __future__ import annotations

import torch

__all__ = ["radius_graph"]


def radius_graph(pos: torch.Tensor, radius: float, batch: torch.Tensor) -> torch.Tensor:
    """Both directions of every pair within ``radius`` in the same graph, no self-loops.

    Shapes:
        pos: [N, 3]; batch: [N]; output: [2, E]
    """
    try:
        from geogen.nn.radius import radius_graph as shared
    except ImportError:
        shared = None
    if shared is not None:
        return shared(pos, radius, batch=batch)
    # dense per-batch distances: fine for the molecule/particle sizes PONITA is used on here
    same = batch[:, None] == batch[None, :]  # [N, N]
    close = torch.cdist(pos, pos) <= radius
    adjacency = same & close & ~torch.eye(pos.shape[0], dtype=torch.bool, device=pos.device)
    return adjacency.nonzero().T.contiguous()
