"""The predictor–corrector sampler of score_sde/GDSS."""

from __future__ import annotations

import torch

from geogen.data.states import State
from geogen.diffusion.base import Sampler, ScoreFn, sde_grid, time_rows
from geogen.diffusion.correctors import Corrector, Langevin
from geogen.diffusion.joint import BoundProcess, JointSDE
from geogen.diffusion.predictors import Predictor, ReverseDiffusion
from geogen.diffusion.results import StepResult

__all__ = ["PCSampler"]


class PCSampler(Sampler):
    """Corrector then predictor at every time of ``linspace(T, eps, num_steps)``.

    Returns the noise-free mean of the last predictor step (score_sde's ``denoise=True``).
    NFE = ``num_steps * (1 + corrector moves)`` (e.g. 2,000 for GDSS's 1,000 steps).

    Args:
        process: the forward process.
        predictor: e.g. :class:`ReverseDiffusion` (default), :class:`EulerMaruyama`.
        corrector: e.g. :class:`Langevin` (default, snr 0.16) or :class:`NoneCorrector`.
        num_steps: number of time steps (default: the process's ``N``).
        eps: last time.
    """

    def __init__(self, process: JointSDE, predictor: Predictor | None = None,
                 corrector: Corrector | None = None, num_steps: int | None = None,
                 eps: float = 1e-3) -> None:
        super().__init__(process, num_steps, eps)
        self.predictor = predictor if predictor is not None else ReverseDiffusion()
        self.corrector = corrector if corrector is not None else Langevin()

    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        times, step = sde_grid(self.process.T, self.steps, self.eps)
        rows = time_rows(times, template)
        state = process.prior_sample(template, generator)
        result = StepResult(sample=state, mean=state)
        for i in self._iterate(len(rows), progress):
            t = rows[i]
            result = self.corrector.update(result.sample, t, score_fn, process=process,
                                           step=step, generator=generator)
            result = self.predictor.update(result.sample, t, score_fn, process=process,
                                           step=step, generator=generator)
        return result.mean

    def __repr__(self) -> str:
        return (f"PCSampler(predictor={self.predictor!r}, corrector={self.corrector!r}, "
                f"num_steps={self.num_steps}, eps={self.eps})")
