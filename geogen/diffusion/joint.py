"""Systems of SDEs: one process and one noise space per state component (GDSS's x and adj)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.results import StepResult
from geogen.diffusion.sde import SDE
from geogen.diffusion.spaces import BoundSpace, FreeSpace, Space

__all__ = ["JointSDE", "BoundPart", "BoundProcess", "Perturbed"]


@dataclass(frozen=True)
class Perturbed:
    """A state noised by the forward marginal, with what a denoising loss needs.

    Attributes:
        state: ``x_t`` (components not in the process are left as they were).
        noise: per component, the standard noise ``z`` (on its space) with
            ``x_t = alpha x_0 + sigma z``.
        alpha: per component, ``alpha(t)`` broadcast to the component.
        sigma: per component, ``sigma(t)`` broadcast to the component.
    """

    state: State
    noise: dict[str, Tensor]
    alpha: dict[str, Tensor]
    sigma: dict[str, Tensor]


@dataclass(frozen=True)
class BoundPart:
    """The process and bound noise space of one component during a run."""

    sde: SDE
    space: BoundSpace


StepFn = Callable[[BoundPart, Tensor, Tensor, str], "tuple[Tensor, Tensor]"]


class BoundProcess:
    """A :class:`JointSDE` bound to one state layout (masks precomputed once per run).

    Args:
        parts: component name -> :class:`BoundPart`.
    """

    def __init__(self, parts: dict[str, BoundPart]) -> None:
        self.parts = parts

    def prior_sample(self, template: State, generator: torch.Generator | None = None) -> State:
        """Draw every component from its prior, on its space."""
        drawn = {name: part.sde.prior_from_noise(part.space.noise(generator))
                 for name, part in self.parts.items()}
        return template.replace(**drawn)

    def project(self, state: State) -> State:
        """Project every component onto its space."""
        values = state.components()
        return state.replace(**{name: part.space.project(values[name])
                                for name, part in self.parts.items()})

    def step(self, state: State, t: Tensor, fn: StepFn) -> StepResult:
        """Apply ``fn(part, x, t_broadcast, name) -> (sample, mean)`` to every component."""
        times = state.broadcast_time(t)
        values = state.components()
        samples, means = {}, {}
        for name, part in self.parts.items():
            samples[name], means[name] = fn(part, values[name], times[name], name)
        return StepResult(sample=state.replace(**samples), mean=state.replace(**means))


class JointSDE:
    """One SDE and one noise space per state component, addressed by name.

    GDSS on QM9: ``JointSDE(sdes={"x": VESDE(0.1, 1.0), "adj": VESDE(0.1, 1.0)},
    spaces={"x": MaskedNodeSpace(), "adj": SymmetricAdjacencySpace()})``. Components without a
    space get :class:`FreeSpace`; state components without an SDE are not diffused.

    Args:
        sdes: component name -> process.
        spaces: component name -> noise space.
    """

    def __init__(self, sdes: Mapping[str, SDE], spaces: Mapping[str, Space] | None = None) -> None:
        self.sdes = dict(sdes)
        if not self.sdes:
            raise ValueError("JointSDE needs at least one component")
        spaces = dict(spaces or {})
        unknown = set(spaces) - set(self.sdes)
        if unknown:
            raise ValueError(f"spaces given for components without an SDE: {sorted(unknown)}")
        self.spaces = {name: spaces.get(name, FreeSpace()) for name in self.sdes}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.sdes)

    @property
    def T(self) -> float:
        return max(sde.T for sde in self.sdes.values())

    @property
    def N(self) -> int:
        """The common default number of steps (pass ``num_steps`` to a sampler if they differ)."""
        steps = {sde.N for sde in self.sdes.values()}
        if len(steps) != 1:
            raise ValueError(f"components disagree on num_scales {sorted(steps)}; "
                             "give the sampler num_steps explicitly")
        return steps.pop()

    def bind(self, state: State) -> BoundProcess:
        """Bind every space to the layout of ``state`` (its mask or batch vector)."""
        missing = set(self.sdes) - set(state.COMPONENTS)
        if missing:
            raise ValueError(f"{type(state).__name__} has no components {sorted(missing)}")
        return BoundProcess({name: BoundPart(sde, self.spaces[name].bind(state, name))
                             for name, sde in self.sdes.items()})

    def marginal(self, state0: State, t: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
        """Per component ``(mean, std)`` of ``p(x_t | x_0)`` for per-sample times ``t [B]``."""
        times = state0.broadcast_time(t)
        values = state0.components()
        return {name: sde.marginal(values[name], times[name]) for name, sde in self.sdes.items()}

    def perturb(self, state0: State, t: Tensor,
                generator: torch.Generator | None = None) -> Perturbed:
        """Sample ``x_t ~ p(x_t | x_0)`` with noise on each component's space.

        Args:
            state0: clean data.
            t: ``[B]`` per-sample times.
        """
        bound = self.bind(state0)
        times = state0.broadcast_time(t)
        values = state0.components()
        noisy, noise, alpha, sigma = {}, {}, {}, {}
        for name, part in bound.parts.items():
            noise[name] = part.space.noise(generator)
            alpha[name] = part.sde.alpha(times[name])
            sigma[name] = part.sde.sigma(times[name])
            noisy[name] = part.space.project(alpha[name] * values[name]) + sigma[name] * noise[name]
        return Perturbed(state=state0.replace(**noisy), noise=noise, alpha=alpha, sigma=sigma)

    def prior_sample(self, template: State, generator: torch.Generator | None = None) -> State:
        """A prior sample with the layout (mask/batch, shapes, dtype) of ``template``."""
        return self.bind(template).prior_sample(template, generator)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}: {sde!r} on {self.spaces[name]!r}"
                          for name, sde in self.sdes.items())
        return f"JointSDE({inner})"
