"""Deterministic near-uniform orientation grids on the sphere S² by seeded Coulomb repulsion."""

from __future__ import annotations

import torch

__all__ = ["sphere_grid", "antipodal_permutation"]


def sphere_grid(num_ori: int, *, seed: int = 0, steps: int = 300, antipodal: bool | None = None) -> torch.Tensor:
    """A grid of ``num_ori`` unit vectors spread by minimising the Coulomb energy Σ 1/|o_i - o_j|.

    The start points come from a seeded generator, so the grid is identical on every machine and
    run. With ``antipodal`` (default: whenever ``num_ori`` is even) the grid is closed under
    o -> -o (``num_ori / 2`` points and their antipodes are repelled together), which lets the
    convolution compute the kernel of the edge j -> i once and reuse it for i -> j, and makes
    the vector readout of a constant spherical signal exactly zero.

    Args:
        num_ori: number of grid points (> 0).
        seed: seed of the initial random points.
        steps: gradient steps of the repulsion.
        antipodal: force or forbid antipodal symmetry (requires an even ``num_ori``).

    Returns:
        Float64 tensor of unit vectors.

    Shapes:
        output: [num_ori, 3]
    """
    if num_ori <= 0:
        raise ValueError(f"num_ori must be positive, got {num_ori}")
    antipodal = (num_ori % 2 == 0) if antipodal is None else antipodal
    if antipodal and num_ori % 2:
        raise ValueError("an antipodal grid needs an even num_ori")
    generator = torch.Generator().manual_seed(seed)
    half = num_ori // 2 if antipodal else num_ori
    free = torch.randn(half, 3, generator=generator, dtype=torch.float64)

    def expand(points: torch.Tensor) -> torch.Tensor:
        points = points / points.norm(dim=-1, keepdim=True)
        return torch.cat([points, -points]) if antipodal else points

    if num_ori > 1:
        # the repulsion is an optimisation of its own: it needs autograd even when the model is
        # built under torch.no_grad() or inference_mode (e.g. in a sampling script)
        with torch.inference_mode(False), torch.enable_grad():
            free = _repel(free, expand, num_ori, steps)
    return expand(free.detach())


def _repel(free: torch.Tensor, expand, num_ori: int, steps: int) -> torch.Tensor:
    """Adam on the mean Coulomb energy of ``expand(free)``. ``free`` ``[M, 3]`` -> same."""
    free = free.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([free], lr=0.05)
    mask = ~torch.eye(num_ori, dtype=torch.bool)
    for step in range(steps):
        grid = expand(free)
        dists = (grid[:, None] - grid[None]).norm(dim=-1)[mask]  # [O*(O-1)]
        energy = (1.0 / dists).mean()
        optimizer.zero_grad()
        energy.backward()
        optimizer.param_groups[0]["lr"] = 0.05 * (1 - step / steps) + 1e-3
        optimizer.step()
    return free.detach()


def antipodal_permutation(grid: torch.Tensor, atol: float = 1e-6) -> torch.Tensor | None:
    """Index ``sigma`` with ``grid[sigma] == -grid`` if the grid is closed under antipodes, else None.

    Shapes:
        grid: [O, 3]; output: [O] (long)
    """
    dists = (grid[:, None, :] + grid[None, :, :]).norm(dim=-1)  # [O, O]: |o_i + o_j|
    best, sigma = dists.min(dim=1)
    if bool((best > atol).any()):
        return None
    return sigma
