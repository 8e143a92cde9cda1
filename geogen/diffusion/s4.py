"""GDSS's S4 solver: one score call per step for a Langevin correction and a split prediction."""

from __future__ import annotations

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import Sampler, ScoreFn, sde_grid, time_rows
from geogen.diffusion.correctors import langevin_move
from geogen.diffusion.joint import BoundPart, BoundProcess, JointSDE

__all__ = ["S4Sampler"]


class S4Sampler(Sampler):
    """Symmetric splitting sampler (Jo et al., 2022, "S4").

    Each step at time ``t`` (step ``h``) scores the state once and, per component:
      1. a Langevin move with that score (GDSS's step-size rule, ``snr``, ``scale_eps``);
      2. half a step of the reverse SDE's linear part, sampled from ``SDE.transition``;
      3. the score part of the reverse drift over the full step: ``+ g(t)^2 score h``;
      4. the second half step of the linear part; its mean is the step's noise-free output.
    The score is not recomputed between the moves, so NFE = ``num_steps``.

    Args:
        process: the forward process (its SDEs must implement ``transition``; VP, VE, sub-VP do).
        snr: Langevin signal-to-noise ratio.
        scale_eps: multiplier on the Langevin noise.
        num_steps: number of steps (default: the process's ``N``).
        eps: last time.
    """

    def __init__(self, process: JointSDE, snr: float = 0.1, scale_eps: float = 1.0,
                 num_steps: int | None = None, eps: float = 1e-3) -> None:
        super().__init__(process, num_steps, eps)
        self.snr = float(snr)
        self.scale_eps = float(scale_eps)

    def _component_step(self, part: BoundPart, x: Tensor, t: Tensor, score: Tensor, step: float,
                        generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        project = part.space.project
        score = project(score)
        x, _ = langevin_move(part, x, t, score, snr=self.snr, scale_eps=self.scale_eps,
                             step=step, generator=generator)
        _, diffusion = part.sde.drift_diffusion(x, t)
        mean, std = part.sde.transition(x, t, -0.5 * step)
        x = project(mean) + std * part.space.noise(generator)
        x = x + diffusion.square() * score * step
        mean, std = part.sde.transition(x, t - 0.5 * step, -0.5 * step)
        mean = project(mean)
        return mean + std * part.space.noise(generator), mean

    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        times, step = sde_grid(self.process.T, self.steps, self.eps)
        rows = time_rows(times, template)
        state = process.prior_sample(template, generator)
        mean = state
        for i in self._iterate(len(rows), progress):
            t = rows[i]
            scores = score_fn(state, t)

            def one(part: BoundPart, x: Tensor, t_b: Tensor, name: str) -> tuple[Tensor, Tensor]:
                return self._component_step(part, x, t_b, scores[name], step, generator)

            result = process.step(state, t, one)
            state, mean = result.sample, result.mean
        return mean

    def __repr__(self) -> str:
        return (f"S4Sampler(snr={self.snr}, scale_eps={self.scale_eps}, "
                f"num_steps={self.num_steps}, eps={self.eps})")
