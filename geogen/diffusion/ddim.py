"""DDIM (Song, Meng & Ermon, 2021) for any process with a Gaussian marginal."""

from __future__ import annotations

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import Sampler, ScoreFn, time_rows
from geogen.diffusion.grids import TimeGrid, UniformTimeGrid
from geogen.diffusion.joint import BoundPart, BoundProcess, JointSDE

__all__ = ["DDIMSampler"]


class DDIMSampler(Sampler):
    """DDIM steps ``x_s = alpha_s x0_hat + sqrt(sigma_s^2 - c^2) eps_hat + c z``.

    ``x0_hat`` and ``eps_hat`` come from the score through the marginal coefficients, and
    ``c = eta sqrt(q) sigma_s / sigma_t`` with ``q`` the forward variance from ``s`` to ``t``:
    ``eta = 0`` is the deterministic DDIM (a first-order probability-flow solver), ``eta = 1``
    the ancestral (DDPM posterior) step. NFE = ``num_steps``.

    Args:
        process: the forward process.
        num_steps: number of steps.
        eta: stochasticity in ``[0, 1]``.
        eps: last time.
        grid: time grid (default uniform in time, as in DDIM).
    """

    def __init__(self, process: JointSDE, num_steps: int = 50, eta: float = 0.0,
                 eps: float = 1e-3, grid: TimeGrid | None = None) -> None:
        super().__init__(process, num_steps, eps)
        self.eta = float(eta)
        self.grid = grid if grid is not None else UniformTimeGrid()

    def _component_step(self, part: BoundPart, x: Tensor, t: Tensor, s: Tensor, score: Tensor,
                        generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        alpha_t, sigma_t = part.sde.alpha(t), part.sde.sigma(t)
        alpha_s, sigma_s = part.sde.alpha(s), part.sde.sigma(s)
        x0 = (x + sigma_t.square() * score) / alpha_t
        eps = -sigma_t * score
        a = alpha_t / alpha_s
        q = (sigma_t.square() - (a * sigma_s).square()).clamp_min(0)
        c = self.eta * q.sqrt() * sigma_s / sigma_t
        mean = part.space.project(alpha_s * x0 + (sigma_s.square() - c.square()).sqrt() * eps)
        if self.eta == 0:
            return mean, mean
        return mean + c * part.space.noise(generator), mean

    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        times = self.grid.times(self.process, self.steps, self.eps)
        rows = time_rows(times, template)
        state = process.prior_sample(template, generator)
        for i in self._iterate(self.steps, progress):
            scores = score_fn(state, rows[i])
            delta = float(times[i] - times[i + 1])

            def one(part: BoundPart, x: Tensor, t_b: Tensor, name: str):
                return self._component_step(part, x, t_b, t_b - delta, scores[name], generator)

            state = process.step(state, rows[i], one).sample
        return state

    def __repr__(self) -> str:
        return (f"DDIMSampler(num_steps={self.num_steps}, eta={self.eta}, eps={self.eps}, "
                f"grid={self.grid!r})")
