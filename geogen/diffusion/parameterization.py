"""Converters between what a denoiser outputs (score, eps or x0) and what samplers need.

With ``x_t = alpha x_0 + sigma eps``: ``score = -eps / sigma = (alpha x0 - x_t) / sigma^2``.
GDSS's VP networks output ``-score * sigma`` (= eps); its VE networks output the score.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable, Mapping

from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.joint import JointSDE

__all__ = [
    "Parameterization",
    "ScoreParameterization",
    "EpsParameterization",
    "X0Parameterization",
    "DenoiserScoreFn",
]


class Parameterization(ABC):
    """How to read a denoiser output; all tensors broadcast against ``x``."""

    @abstractmethod
    def to_score(self, output: Tensor, x: Tensor, alpha: Tensor, sigma: Tensor) -> Tensor:
        """The score of ``p_t`` at ``x``."""

    def to_eps(self, output: Tensor, x: Tensor, alpha: Tensor, sigma: Tensor) -> Tensor:
        """The predicted standard noise."""
        return -sigma * self.to_score(output, x, alpha, sigma)

    def to_x0(self, output: Tensor, x: Tensor, alpha: Tensor, sigma: Tensor) -> Tensor:
        """The predicted clean data (Tweedie)."""
        return (x + sigma.square() * self.to_score(output, x, alpha, sigma)) / alpha

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ScoreParameterization(Parameterization):
    """The output is the score."""

    def to_score(self, output, x, alpha, sigma):
        return output


class EpsParameterization(Parameterization):
    """The output is the noise ``eps`` (GDSS VP: the network's ``-score * sigma``)."""

    def to_score(self, output, x, alpha, sigma):
        return -output / sigma

    def to_eps(self, output, x, alpha, sigma):
        return output

    def to_x0(self, output, x, alpha, sigma):
        return (x - sigma * output) / alpha


class X0Parameterization(Parameterization):
    """The output is the clean data ``x0``."""

    def to_score(self, output, x, alpha, sigma):
        return (alpha * output - x) / sigma.square()

    def to_eps(self, output, x, alpha, sigma):
        return (x - alpha * output) / sigma

    def to_x0(self, output, x, alpha, sigma):
        return output


class DenoiserScoreFn:
    """Turns ``denoiser(state, t) -> {name: output}`` into a sampler's ``score_fn``.

    Args:
        denoiser: callable returning one raw output per component.
        process: the process whose marginal coefficients interpret the outputs.
        parameterizations: one per component, or one for all.
    """

    def __init__(self, denoiser: Callable[[State, Tensor], Mapping[str, Tensor]],
                 process: JointSDE,
                 parameterizations: Parameterization | Mapping[str, Parameterization]) -> None:
        self.denoiser = denoiser
        self.process = process
        if isinstance(parameterizations, Parameterization):
            parameterizations = {name: parameterizations for name in process.names}
        self.parameterizations = dict(parameterizations)

    def __call__(self, state: State, t: Tensor) -> dict[str, Tensor]:
        outputs = self.denoiser(state, t)
        times = state.broadcast_time(t)
        values = state.components()
        scores = {}
        for name, param in self.parameterizations.items():
            sde = self.process.sdes[name]
            scores[name] = param.to_score(outputs[name], values[name], sde.alpha(times[name]),
                                          sde.sigma(times[name]))
        return scores
