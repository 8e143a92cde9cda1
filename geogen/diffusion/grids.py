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
    """Equally spaced in log-SNR ``lambda = log(alpha / sigma)`` (DPM-Solver's grid).

    With one component (or a named ``component``) the grid is uniform in that component's
    ``lambda``. With several components and ``component=None`` it is uniform in the mean of
    their *normalised* log-SNRs, ``(lambda_k(t) - lambda_k(T)) / (lambda_k(eps) - lambda_k(T))``,
    so no component takes all its large steps at once (e.g. a VP and a VE component whose
    ``lambda`` curves differ in shape). Times are found by bisection on that monotone
    function, so any process works.

    Args:
        component: name of the reference component (``None``: balance all components).
        iterations: bisection iterations (float64; 60 reach machine precision on [0, 1]).
    """

    def __init__(self, component: str | None = None, iterations: int = 60) -> None:
        self.component = component
        self.iterations = iterations

    def _progress(self, process: JointSDE, eps: float):
        """Increasing map ``t -> [0, 1]``: 0 at ``T``, 1 at ``eps`` (normalised log-SNR)."""
        names = [self.component] if self.component is not None else list(process.names)
        bounds = torch.tensor([process.T, eps], dtype=torch.float64)
        ends = [process.sdes[name].log_snr(bounds) for name in names]

        def progress(t: Tensor) -> Tensor:
            total = torch.zeros_like(t)
            for name, (start, stop) in zip(names, ends):
                total = total + (process.sdes[name].log_snr(t) - start) / (stop - start)
            return total / len(names)

        return progress

    def times(self, process: JointSDE, num_steps: int, eps: float) -> Tensor:
        progress = self._progress(process, eps)
        targets = torch.linspace(0.0, 1.0, num_steps + 1, dtype=torch.float64)
        low = torch.full_like(targets, eps)
        high = torch.full_like(targets, process.T)
        for _ in range(self.iterations):
            mid = 0.5 * (low + high)
            before = progress(mid) > targets  # progress falls with t: the root lies later
            low = torch.where(before, mid, low)
            high = torch.where(before, high, mid)
        grid = 0.5 * (low + high)
        grid[0], grid[-1] = process.T, eps
        return grid

    def __repr__(self) -> str:
        return f"LogSNRGrid(component={self.component!r})"
