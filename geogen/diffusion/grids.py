"""Time grids for the few-step ODE samplers (DDIM, Heun, DPM-Solver++).

A grid is ``num_steps + 1`` decreasing times from ``T`` to ``eps``. Components of a
:class:`~geogen.diffusion.joint.JointSDE` share one grid (one network call scores them all);
each component then steps with its own ``alpha``/``sigma`` schedule on that grid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor

from geogen.diffusion.joint import JointSDE

__all__ = ["TimeGrid", "UniformTimeGrid", "LogSNRGrid"]


class TimeGrid(ABC):
    """Chooses the times of a sampling run."""

    @abstractmethod
    def times(self, process: JointSDE, num_steps: int, eps: float) -> Tensor:
        """``[num_steps + 1]`` float64 times, ``times[0] = T`` and ``times[-1] = eps``."""


class UniformTimeGrid(TimeGrid):
    """Equally spaced times (DDIM's original choice)."""

    def times(self, process: JointSDE, num_steps: int, eps: float) -> Tensor:
        return torch.linspace(process.T, eps, num_steps + 1, dtype=torch.float64)

    def __repr__(self) -> str:
        return "UniformTimeGrid()"


class LogSNRGrid(TimeGrid):
    """Equally spaced in ``lambda = log(alpha / sigma)`` of one reference component.

    DPM-Solver's recommended grid for few steps. With several components the grid follows the
    reference one (default: the first); for GDSS both share a schedule anyway. Times are
    found by bisection on the monotone ``lambda(t)``, so any process works.

    Args:
        component: name of the reference component (default: the first of the process).
        iterations: bisection iterations (float64; 60 reach machine precision on [0, 1]).
    """

    def __init__(self, component: str | None = None, iterations: int = 60) -> None:
        self.component = component
        self.iterations = iterations

    def times(self, process: JointSDE, num_steps: int, eps: float) -> Tensor:
        sde = process.sdes[self.component or process.names[0]]
        bounds = torch.tensor([process.T, eps], dtype=torch.float64)
        lam_start, lam_end = sde.log_snr(bounds).tolist()
        targets = torch.linspace(lam_start, lam_end, num_steps + 1, dtype=torch.float64)
        low = torch.full_like(targets, eps)
        high = torch.full_like(targets, process.T)
        for _ in range(self.iterations):
            mid = 0.5 * (low + high)
            above = sde.log_snr(mid) > targets  # lambda decreases: the root lies later
            low = torch.where(above, mid, low)
            high = torch.where(above, high, mid)
        grid = 0.5 * (low + high)
        grid[0], grid[-1] = process.T, eps
        return grid

    def __repr__(self) -> str:
        return f"LogSNRGrid(component={self.component!r})"
