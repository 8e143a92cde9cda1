"""Predictors: one reverse-time step of a :class:`JointSDE`, component by component.

Contract (shared with the correctors): ``update(state, t[B], score_fn, *, process, step,
generator) -> StepResult(sample, mean)``, where ``process`` is the bound process of the run and
``step > 0`` the size of the step from ``t`` to ``t - step``. Each call scores the state once.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import ScoreFn
from geogen.diffusion.joint import BoundPart, BoundProcess
from geogen.diffusion.results import StepResult

__all__ = ["Predictor", "NonePredictor", "EulerMaruyama", "ReverseDiffusion", "Ancestral"]


class Predictor(ABC):
    """A reverse-time step; subclasses define :meth:`component_step`."""

    def update(self, state: State, t: Tensor, score_fn: ScoreFn, *, process: BoundProcess,
               step: float, generator: torch.Generator | None = None) -> StepResult:
        """Step every component from ``t`` to ``t - step``.

        Args:
            state: current state ``x_t``.
            t: ``[B]`` current times.
            score_fn: ``score_fn(state, t) -> dict`` of scores.
            process: the bound process of this run.
            step: positive step size.
            generator: random generator for the noise.
        """
        scores = score_fn(state, t)

        def one(part: BoundPart, x: Tensor, t_b: Tensor, name: str) -> tuple[Tensor, Tensor]:
            return self.component_step(part, x, t_b, scores[name], step, generator)

        return process.step(state, t, one)

    @abstractmethod
    def component_step(self, part: BoundPart, x: Tensor, t: Tensor, score: Tensor, step: float,
                       generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        """``(sample, mean)`` for one component; ``t`` is broadcast to ``x``."""


class NonePredictor(Predictor):
    """Leaves the state unchanged (corrector-only sampling); calls no score."""

    def update(self, state: State, t: Tensor, score_fn: ScoreFn, *, process: BoundProcess,
               step: float, generator: torch.Generator | None = None) -> StepResult:
        return StepResult(sample=state, mean=state)

    def component_step(self, part, x, t, score, step, generator):  # pragma: no cover - unused
        return x, x

    def __repr__(self) -> str:
        return "NonePredictor()"


class EulerMaruyama(Predictor):
    """Euler–Maruyama on the reverse SDE: ``x - f_rev h + g sqrt(h) z``.

    Args:
        probability_flow: integrate the probability-flow ODE instead (no noise).
    """

    def __init__(self, probability_flow: bool = False) -> None:
        self.probability_flow = probability_flow

    def component_step(self, part, x, t, score, step, generator):
        drift, diffusion = part.sde.reverse_drift_diffusion(x, t, score, self.probability_flow)
        mean = part.space.project(x - drift * step)
        return torch.addcmul(mean, diffusion * math.sqrt(step), part.space.noise(generator)), mean

    def __repr__(self) -> str:
        return f"EulerMaruyama(probability_flow={self.probability_flow})"


class ReverseDiffusion(Predictor):
    """Reverse diffusion (score_sde): the process's own discretisation, run backwards.

    For VP this is the DDPM step, for VE the SMLD step (see ``SDE.discretize``).

    Args:
        probability_flow: drop the noise and halve the score term.
    """

    def __init__(self, probability_flow: bool = False) -> None:
        self.probability_flow = probability_flow

    def component_step(self, part, x, t, score, step, generator):
        f, g = part.sde.reverse_discretize(x, t, step, score, self.probability_flow)
        mean = part.space.project(x - f)
        return torch.addcmul(mean, g, part.space.noise(generator)), mean

    def __repr__(self) -> str:
        return f"ReverseDiffusion(probability_flow={self.probability_flow})"


class Ancestral(Predictor):
    """Ancestral sampling: draw ``x_s ~ q(x_s | x_t, x0_hat)`` with Tweedie's ``x0_hat``.

    Written with the marginal coefficients only, so one rule serves every process: for VE it
    is exactly SMLD's ancestral step (mean ``x + (sigma_t^2 - sigma_s^2) score``, variance
    ``sigma_s^2 (sigma_t^2 - sigma_s^2) / sigma_t^2``), for VP the DDPM posterior step.
    """

    def component_step(self, part, x, t, score, step, generator):
        s = (t - step).clamp_min(0)
        alpha_t, sigma_t = part.sde.alpha(t), part.sde.sigma(t)
        alpha_s, sigma_s = part.sde.alpha(s), part.sde.sigma(s)
        var_t, var_s = sigma_t.square(), sigma_s.square()
        x0 = (x + var_t * score) / alpha_t
        a = alpha_t / alpha_s
        q = (var_t - a.square() * var_s).clamp_min(0)
        mean = part.space.project((a * var_s / var_t) * x + (alpha_s * q / var_t) * x0)
        std = (q * var_s / var_t).sqrt()
        return mean + std * part.space.noise(generator), mean

    def __repr__(self) -> str:
        return "Ancestral()"
