"""Heun's method (2nd order) on the probability-flow ODE."""

from __future__ import annotations

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import Sampler, ScoreFn, time_rows
from geogen.diffusion.grids import LogSNRGrid, TimeGrid
from geogen.diffusion.joint import BoundPart, BoundProcess, JointSDE

__all__ = ["HeunSampler"]


def _velocity(score_fn: ScoreFn, process: BoundProcess, state: State,
              t: Tensor) -> dict[str, Tensor]:
    """``dx/dt = f(x, t) - g(t)^2 score / 2`` for every component."""
    scores = score_fn(state, t)
    times = state.broadcast_time(t)
    values = state.components()
    return {name: part.sde.reverse_drift_diffusion(values[name], times[name], scores[name],
                                                   probability_flow=True)[0]
            for name, part in process.parts.items()}


class HeunSampler(Sampler):
    """Probability-flow ODE with Heun's predictor–corrector (trapezoidal) steps.

    NFE = ``2 * num_steps``. The default grid is uniform in log-SNR (see :mod:`grids`).

    Args:
        process: the forward process.
        num_steps: number of steps.
        eps: last time.
        grid: time grid.
    """

    def __init__(self, process: JointSDE, num_steps: int = 50, eps: float = 1e-3,
                 grid: TimeGrid | None = None) -> None:
        super().__init__(process, num_steps, eps)
        self.grid = grid if grid is not None else LogSNRGrid()

    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        times = self.grid.times(self.process, self.steps, self.eps)
        rows = time_rows(times, template)
        state = process.prior_sample(template, generator)
        for i in self._iterate(self.steps, progress):
            h = float(times[i + 1] - times[i])  # negative
            first = _velocity(score_fn, process, state, rows[i])

            def euler(part: BoundPart, x: Tensor, t_b: Tensor, name: str):
                moved = part.space.project(x + h * first[name])
                return moved, moved

            guess = process.step(state, rows[i], euler).sample
            second = _velocity(score_fn, process, guess, rows[i + 1])

            def trapezoid(part: BoundPart, x: Tensor, t_b: Tensor, name: str):
                moved = part.space.project(x + (0.5 * h) * (first[name] + second[name]))
                return moved, moved

            state = process.step(state, rows[i], trapezoid).sample
        return state

    def __repr__(self) -> str:
        return f"HeunSampler(num_steps={self.num_steps}, eps={self.eps}, grid={self.grid!r})"
