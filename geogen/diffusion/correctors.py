"""Correctors: MCMC moves at a fixed time that pull the state towards ``p_t``.

Same contract as the predictors: ``update(state, t[B], score_fn, *, process, step, generator)
-> StepResult(sample, mean)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import ScoreFn
from geogen.diffusion.joint import BoundPart, BoundProcess
from geogen.diffusion.results import StepResult

__all__ = ["Corrector", "NoneCorrector", "Langevin", "langevin_move"]


class Corrector(ABC):
    """A corrector move at time ``t``."""

    @abstractmethod
    def update(self, state: State, t: Tensor, score_fn: ScoreFn, *, process: BoundProcess,
               step: float, generator: torch.Generator | None = None) -> StepResult:
        """Move every component at time ``t`` (``step`` is the sampler's step size)."""


class NoneCorrector(Corrector):
    """No correction; calls no score."""

    def update(self, state, t, score_fn, *, process, step, generator=None) -> StepResult:
        return StepResult(sample=state, mean=state)

    def __repr__(self) -> str:
        return "NoneCorrector()"


def langevin_move(part: BoundPart, x: Tensor, t: Tensor, score: Tensor, *, snr: float,
                  scale_eps: float, step: float,
                  generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """One Langevin move of one component with GDSS's step-size rule.

    The step size is ``2 alpha (snr * mean_b |z_b| / mean_b |score_b|)^2`` with batch means of
    per-sample norms, ``alpha`` the process's corrector scale (``1 - beta_i`` for VP, 1 for
    VE); the noise term is multiplied by ``scale_eps`` (GDSS uses 0.7–0.9 < 1, which sharpens).

    Shapes:
        x, score: the component's shape; t: broadcast to it.

    Returns:
        ``(sample, mean)``.
    """
    score = part.space.project(score)
    noise = part.space.noise(generator)
    grad_norm = part.space.sample_sq_norms(score).sqrt().mean()
    noise_norm = part.space.sample_sq_norms(noise).sqrt().mean()
    size = (snr * noise_norm / grad_norm).square() * 2.0 * part.sde.corrector_scale(t, step)
    mean = torch.addcmul(x, size, score)
    return torch.addcmul(mean, (2.0 * size).sqrt() * scale_eps, noise), mean


class Langevin(Corrector):
    """Annealed Langevin dynamics as in score_sde/GDSS.

    Args:
        snr: target signal-to-noise ratio of the move (GDSS: 0.2 on QM9).
        scale_eps: multiplier on the injected noise (GDSS: 0.7 on QM9, 0.9 on ZINC250k).
        n_steps: moves per time step (each calls the score once).
    """

    def __init__(self, snr: float = 0.16, scale_eps: float = 1.0, n_steps: int = 1) -> None:
        self.snr = float(snr)
        self.scale_eps = float(scale_eps)
        self.n_steps = int(n_steps)

    def update(self, state, t, score_fn, *, process, step, generator=None) -> StepResult:
        result = StepResult(sample=state, mean=state)
        for _ in range(self.n_steps):
            scores = score_fn(result.sample, t)

            def one(part: BoundPart, x: Tensor, t_b: Tensor, name: str) -> tuple[Tensor, Tensor]:
                return langevin_move(part, x, t_b, scores[name], snr=self.snr,
                                     scale_eps=self.scale_eps, step=step, generator=generator)

            result = process.step(result.sample, t, one)
        return result

    def __repr__(self) -> str:
        return f"Langevin(snr={self.snr}, scale_eps={self.scale_eps}, n_steps={self.n_steps})"
