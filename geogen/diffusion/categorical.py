"""Discrete (categorical) diffusion for PARD-style generation of node and edge types.

The forward process mixes a one-hot ``x_0`` with a stationary distribution ``m``:
``q(x_t | x_0) = Cat(alpha_bar(t) x_0 + (1 - alpha_bar(t)) m)``. Because ``1 m^T`` is
idempotent, the kernel from ``s`` to ``t > s`` is the same mixture with
``alpha_bar(t) / alpha_bar(s)``, so every posterior is closed-form and costs ``O(K)`` per entry.
Times are continuous in ``[0, 1]``; a T-step discrete model uses ``t = k / T``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["CosineSchedule", "Transition", "UniformTransition", "MarginalTransition",
           "CategoricalDiffusion"]

_TINY = 1e-30


class CosineSchedule:
    """``alpha_bar(t) = cos^2(pi/2 (t + s)/(1 + s)) / cos^2(pi/2 s/(1 + s))`` (Nichol & Dhariwal).

    Args:
        offset: the small offset ``s``.
    """

    def __init__(self, offset: float = 0.008) -> None:
        self.offset = float(offset)

    def alpha_bar(self, t: Tensor) -> Tensor:
        scale = 0.5 * math.pi / (1.0 + self.offset)
        start = math.cos(scale * self.offset) ** 2
        return (torch.cos(scale * (t + self.offset)).square() / start).clamp(0.0, 1.0)

    def __repr__(self) -> str:
        return f"CosineSchedule(offset={self.offset})"


class Transition(ABC):
    """The stationary distribution ``m`` the process mixes towards."""

    @abstractmethod
    def stationary(self, num_classes: int, like: Tensor) -> Tensor:
        """``[K]`` probabilities in ``like``'s float dtype and device."""


class UniformTransition(Transition):
    """Uniform noise over the ``K`` classes (PARD's default)."""

    def stationary(self, num_classes: int, like: Tensor) -> Tensor:
        return torch.full((num_classes,), 1.0 / num_classes, dtype=_float(like), device=like.device)

    def __repr__(self) -> str:
        return "UniformTransition()"


class MarginalTransition(Transition):
    """Noise towards the data marginals (DiGress).

    Args:
        marginals: ``[K]`` class frequencies (normalised here).
    """

    def __init__(self, marginals: Sequence[float] | Tensor) -> None:
        marginals = torch.as_tensor(marginals, dtype=torch.float64)
        if marginals.dim() != 1 or (marginals < 0).any() or marginals.sum() <= 0:
            raise ValueError("marginals must be a non-negative vector with a positive sum")
        self.marginals = marginals / marginals.sum()

    def stationary(self, num_classes: int, like: Tensor) -> Tensor:
        if len(self.marginals) != num_classes:
            raise ValueError(f"{len(self.marginals)} marginals for {num_classes} classes")
        return self.marginals.to(dtype=_float(like), device=like.device)

    def __repr__(self) -> str:
        return f"MarginalTransition(marginals={self.marginals.tolist()})"


def _float(like: Tensor) -> torch.dtype:
    return like.dtype if like.is_floating_point() else torch.get_default_dtype()


class CategoricalDiffusion:
    """Categorical forward process, posteriors, VLB terms and ancestral sampling.

    Inputs ``x`` are either class indices ``[...]`` (long) or one-hot/probabilities
    ``[..., K]`` (float); ``t`` and ``s`` broadcast against ``x``'s leading shape ``[...]``.

    Args:
        num_classes: number of classes ``K`` (including any "no edge" class).
        transition: stationary distribution (uniform or marginal).
        schedule: ``alpha_bar(t)``.
    """

    def __init__(self, num_classes: int, transition: Transition | None = None,
                 schedule: CosineSchedule | None = None) -> None:
        self.num_classes = int(num_classes)
        self.transition = transition if transition is not None else UniformTransition()
        self.schedule = schedule if schedule is not None else CosineSchedule()

    def one_hot(self, x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
        """``[..., K]`` float one-hot of indices; float inputs are returned as they are."""
        if x.is_floating_point():
            return x
        return F.one_hot(x, self.num_classes).to(dtype or torch.get_default_dtype())

    def _alpha_bar(self, t: Tensor | float, like: Tensor) -> Tensor:
        t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
        return self.schedule.alpha_bar(t).unsqueeze(-1) if t.dim() else self.schedule.alpha_bar(t)

    def q_probs(self, x0: Tensor, t: Tensor | float) -> Tensor:
        """``[..., K]`` probabilities of ``q(x_t | x_0)``."""
        x0 = self.one_hot(x0)
        m = self.transition.stationary(self.num_classes, x0)
        a = self._alpha_bar(t, x0)
        return a * x0 + (1 - a) * m

    def transition_matrix(self, t: float, s: float = 0.0, like: Tensor | None = None) -> Tensor:
        """``[K, K]`` matrix ``Q[i, j] = q(x_t = j | x_s = i)`` for ``s <= t``.

        Equals ``a I + (1 - a) 1 m^T`` with ``a = alpha_bar(t) / alpha_bar(s)`` (uniform:
        ``m = 1/K``; marginal: ``m`` = the data marginals).
        """
        like = like if like is not None else torch.zeros((), dtype=torch.float64)
        m = self.transition.stationary(self.num_classes, like)
        bars = self.schedule.alpha_bar(torch.tensor([t, s], dtype=m.dtype, device=m.device))
        a = bars[0] / bars[1].clamp_min(_TINY)
        eye = torch.eye(self.num_classes, dtype=m.dtype, device=m.device)
        return a * eye + (1 - a) * m.unsqueeze(0)

    def q_sample(self, x0: Tensor, t: Tensor | float,
                 generator: torch.Generator | None = None) -> Tensor:
        """Class indices ``[...]`` drawn from ``q(x_t | x_0)``."""
        return self.sample(self.q_probs(x0, t), generator)

    def prior(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """``[*shape, K]`` stationary probabilities (the ``t = 1`` limit)."""
        m = self.transition.stationary(self.num_classes, like)
        return m.expand(*shape, self.num_classes)

    @staticmethod
    def sample(probs: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Indices ``[...]`` drawn from probabilities ``[..., K]`` (inverse-CDF, vectorised)."""
        cdf = probs.cumsum(dim=-1)
        u = torch.rand(probs.shape[:-1] + (1,), generator=generator, dtype=probs.dtype,
                       device=probs.device) * cdf[..., -1:]
        index = torch.searchsorted(cdf.contiguous(), u, right=True).squeeze(-1)
        return index.clamp_max(probs.shape[-1] - 1)

    def posterior(self, x0_probs: Tensor, x_t: Tensor, t: Tensor | float,
                  s: Tensor | float) -> Tensor:
        """``p(x_s | x_t) = sum_i p(x_0 = i) q(x_s | x_t, x_0 = i)`` for ``s < t``.

        Args:
            x0_probs: ``[..., K]`` predicted (or true one-hot) distribution of ``x_0``.
            x_t: ``[...]`` indices or ``[..., K]`` one-hot of the current state.
            t, s: current and target times, ``0 <= s < t <= 1``.

        Returns:
            ``[..., K]`` probabilities of ``x_s``.
        """
        x_t = self.one_hot(x_t, x0_probs.dtype)
        m = self.transition.stationary(self.num_classes, x0_probs)
        bar_s = self._alpha_bar(s, x0_probs)
        step = self._alpha_bar(t, x0_probs) / bar_s.clamp_min(_TINY)
        # likelihood of the observed x_t given each value of x_s: a delta_kj + (1 - a) m_j
        m_j = (x_t * m).sum(-1, keepdim=True)
        likelihood = step * x_t + (1 - step) * m_j  # [..., K]
        # normaliser of q(x_s | x_t, x_0 = i) for each i
        norm = bar_s * likelihood + (1 - bar_s) * (m * likelihood).sum(-1, keepdim=True)
        weight = x0_probs / norm.clamp_min(_TINY)  # [..., K]
        probs = likelihood * (bar_s * weight + (1 - bar_s) * m * weight.sum(-1, keepdim=True))
        return probs / probs.sum(-1, keepdim=True).clamp_min(_TINY)

    @staticmethod
    def kl(p: Tensor, q: Tensor) -> Tensor:
        """``[...]`` KL(p || q) of categorical distributions ``[..., K]`` (0 log 0 = 0)."""
        ratio = torch.log(p.clamp_min(_TINY)) - torch.log(q.clamp_min(_TINY))
        return torch.where(p > 0, p * ratio, torch.zeros_like(p)).sum(-1)

    def vlb_term(self, x0: Tensor, x_t: Tensor, t: Tensor | float, s: Tensor | float,
                 x0_probs_pred: Tensor) -> Tensor:
        """``[...]`` KL(q(x_s | x_t, x_0) || p(x_s | x_t)) with ``p`` from predicted ``x_0``."""
        x0_probs_pred = x0_probs_pred.to(_float(x0_probs_pred))
        true = self.posterior(self.one_hot(x0, x0_probs_pred.dtype), x_t, t, s)
        return self.kl(true, self.posterior(x0_probs_pred, x_t, t, s))

    def kl_prior(self, x0: Tensor) -> Tensor:
        """``[...]`` KL(q(x_1 | x_0) || m): the VLB's prior term."""
        probs = self.q_probs(x0, 1.0)
        return self.kl(probs, self.transition.stationary(self.num_classes, probs).expand_as(probs))

    def ancestral_sample(self, denoise_fn: Callable[[Tensor, Tensor], Tensor],
                         shape: Sequence[int], num_steps: int, *, like: Tensor,
                         generator: torch.Generator | None = None) -> Tensor:
        """Sample ``x_0`` by ancestral steps on ``linspace(1, 0, num_steps + 1)``.

        Args:
            denoise_fn: ``denoise_fn(x_t_onehot [*shape, K], t) -> x0_probs [*shape, K]``
                with ``t`` a 0-d tensor.
            shape: shape ``[...]`` of the indices to sample.
            num_steps: number of steps.
            like: tensor giving the float dtype and device.

        Returns:
            ``[*shape]`` class indices.
        """
        times = torch.linspace(1.0, 0.0, num_steps + 1, dtype=_float(like), device=like.device)
        x = self.sample(self.prior(shape, like), generator)
        for i in range(num_steps):
            x_onehot = self.one_hot(x, times.dtype)
            x0_probs = denoise_fn(x_onehot, times[i])
            x = self.sample(self.posterior(x0_probs, x_onehot, times[i], times[i + 1]), generator)
        return x

    def __repr__(self) -> str:
        return (f"CategoricalDiffusion(num_classes={self.num_classes}, "
                f"transition={self.transition!r}, schedule={self.schedule!r})")
