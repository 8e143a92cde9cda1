"""Continuous-time diffusion processes: the SDE interface and the VP, VE and sub-VP SDEs.

Every process is linear in ``x`` with a Gaussian marginal ``x_t = alpha(t) x_0 + sigma(t) z``.
The samplers only use that interface (``alpha``, ``sigma``, ``drift_diffusion``, ``discretize``,
``transition``, ``corrector_scale``), so they never branch on the process type. Times passed
to these methods are already broadcast to the rank of ``x`` (see ``State.broadcast_time``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Callable

import torch
from torch import Tensor

__all__ = ["SDE", "ReverseSDE", "VPSDE", "VESDE", "SubVPSDE"]


class SDE(ABC):
    """A forward SDE ``dx = f(x, t) dt + g(t) dw`` on ``t in [0, T]`` with a Gaussian marginal.

    Args:
        num_scales: default number of discretisation steps ``N`` for the samplers.
    """

    T: float = 1.0

    def __init__(self, num_scales: int = 1000) -> None:
        if num_scales < 1:
            raise ValueError(f"num_scales must be positive, got {num_scales}")
        self.N = int(num_scales)

    @abstractmethod
    def alpha(self, t: Tensor) -> Tensor:
        """Mean coefficient of the marginal, ``E[x_t | x_0] = alpha(t) x_0``."""

    @abstractmethod
    def sigma(self, t: Tensor) -> Tensor:
        """Standard deviation of the marginal ``p(x_t | x_0)``."""

    @abstractmethod
    def drift_diffusion(self, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        """Drift ``f(x, t)`` (broadcastable to ``x``) and diffusion ``g(t)`` (shape of ``t``)."""

    @property
    @abstractmethod
    def prior_std(self) -> float:
        """Standard deviation of the zero-mean Gaussian prior at ``t = T``."""

    def log_snr(self, t: Tensor) -> Tensor:
        """``lambda(t) = log(alpha / sigma)``, decreasing in ``t`` (used by DPM-Solver grids)."""
        return torch.log(self.alpha(t)) - torch.log(self.sigma(t))

    def marginal(self, x0: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        """Mean ``alpha(t) x0`` and std ``sigma(t)`` of ``p(x_t | x_0)``; ``t`` broadcast to ``x0``."""
        return self.alpha(t) * x0, self.sigma(t)

    def prior_from_noise(self, noise: Tensor) -> Tensor:
        """Map standard noise (already projected onto its space) to a prior sample."""
        return noise * self.prior_std

    def prior_sample(self, like: Tensor | tuple[int, ...],
                     generator: torch.Generator | None = None) -> Tensor:
        """A prior sample shaped like a tensor (dtype and device kept) or a shape."""
        if isinstance(like, Tensor):
            noise = torch.randn(like.shape, generator=generator, dtype=like.dtype,
                                device=like.device)
        else:
            noise = torch.randn(tuple(like), generator=generator)
        return self.prior_from_noise(noise)

    def discretize(self, x: Tensor, t: Tensor, step: float) -> tuple[Tensor, Tensor]:
        """One forward step ending at ``t``: ``x_t = x_{t-step} + f + G z`` (Euler by default).

        Returns:
            ``(f, G)`` with ``f`` broadcastable to ``x`` and ``G`` shaped like ``t``.
        """
        drift, diffusion = self.drift_diffusion(x, t)
        return drift * step, diffusion * math.sqrt(step)

    def transition(self, x: Tensor, t: Tensor, dt: float) -> tuple[Tensor, Tensor]:
        """Gaussian kernel of the linear part of the reverse SDE over ``dt < 0`` (used by S4).

        Inverts the exact forward kernel from ``s = t + dt`` to ``t``: ``x_t = a x_s + sqrt(q) z``
        with ``a = alpha(t) / alpha(s)`` and ``q = sigma(t)^2 - a^2 sigma(s)^2``; the mean is
        ``x / a`` and the std ``sqrt(q)``. For VE this is ``(x, sqrt(sigma_t^2 - sigma_s^2))``,
        for VP ``(x e^{B/2}, sqrt(1 - e^{-B}))`` with ``B`` the integral of beta over the step.
        """
        # Clamp at 0: the last S4 steps of a coarse grid may reach below t = 0.
        t = t.clamp_min(0)
        s = (t + dt).clamp_min(0)
        a = self.alpha(t) / self.alpha(s)
        q = self.sigma(t).square() - (a * self.sigma(s)).square()
        return x / a, q.clamp_min(0).sqrt()

    def corrector_scale(self, t: Tensor, step: float) -> Tensor:
        """Factor on the Langevin step size (``alpha_i`` of score_sde; 1 unless VP-like)."""
        return torch.ones_like(t)

    def reverse_drift_diffusion(self, x: Tensor, t: Tensor, score: Tensor,
                                probability_flow: bool = False) -> tuple[Tensor, Tensor]:
        """Drift and diffusion of the reverse-time SDE (or probability-flow ODE) given a score."""
        drift, diffusion = self.drift_diffusion(x, t)
        weight = 0.5 if probability_flow else 1.0
        # scale the small [B, 1, ...] coefficient first: one full-size multiply instead of two
        drift = drift - (diffusion.square() * weight) * score
        return drift, diffusion * (0.0 if probability_flow else 1.0)

    def reverse_discretize(self, x: Tensor, t: Tensor, step: float, score: Tensor,
                           probability_flow: bool = False) -> tuple[Tensor, Tensor]:
        """Reverse-diffusion step ``x_{t-step} = x - f_rev + G_rev z`` given a score."""
        f, g = self.discretize(x, t, step)
        weight = 0.5 if probability_flow else 1.0
        f_rev = f - (g.square() * weight) * score
        return f_rev, g * (0.0 if probability_flow else 1.0)

    def reverse(self, score_fn: Callable[[Tensor, Tensor], Tensor],
                probability_flow: bool = False) -> "ReverseSDE":
        """The reverse-time SDE (or probability-flow ODE) for ``score_fn(x, t) -> score``."""
        return ReverseSDE(sde=self, score_fn=score_fn, probability_flow=probability_flow)


class ReverseSDE:
    """Reverse-time process of ``sde`` driven by ``score_fn(x, t)`` (t broadcast to ``x``).

    Args:
        sde: the forward process.
        score_fn: callable returning the score of the marginal at ``(x, t)``.
        probability_flow: use the deterministic probability-flow ODE instead of the SDE.
    """

    def __init__(self, sde: SDE, score_fn: Callable[[Tensor, Tensor], Tensor],
                 probability_flow: bool = False) -> None:
        self.sde = sde
        self.score_fn = score_fn
        self.probability_flow = probability_flow
        self.N = sde.N
        self.T = sde.T

    def drift_diffusion(self, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        return self.sde.reverse_drift_diffusion(x, t, self.score_fn(x, t), self.probability_flow)

    def discretize(self, x: Tensor, t: Tensor, step: float) -> tuple[Tensor, Tensor]:
        return self.sde.reverse_discretize(x, t, step, self.score_fn(x, t), self.probability_flow)


class _LinearBetaSDE(SDE):
    """Shared pieces of the VP and sub-VP SDEs: ``beta(t) = beta_min + t (beta_max - beta_min)``."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0,
                 num_scales: int = 1000) -> None:
        super().__init__(num_scales)
        self.beta_min = float(beta_min)
        self.beta_max = float(beta_max)

    def beta(self, t: Tensor) -> Tensor:
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def _log_alpha(self, t: Tensor) -> Tensor:
        """``-0.5 * integral_0^t beta``."""
        return -0.25 * t.square() * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min

    def alpha(self, t: Tensor) -> Tensor:
        return torch.exp(self._log_alpha(t))

    def corrector_scale(self, t: Tensor, step: float) -> Tensor:
        return 1.0 - self.beta(t) * step

    @property
    def prior_std(self) -> float:
        return 1.0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(beta_min={self.beta_min}, beta_max={self.beta_max}, "
                f"num_scales={self.N})")


class VPSDE(_LinearBetaSDE):
    """Variance-preserving SDE ``dx = -beta(t)/2 x dt + sqrt(beta(t)) dw`` (DDPM in the limit).

    Args:
        beta_min: ``beta(0)``.
        beta_max: ``beta(1)``.
        num_scales: default number of sampling steps.
    """

    def sigma(self, t: Tensor) -> Tensor:
        return torch.sqrt(-torch.expm1(2.0 * self._log_alpha(t)))

    def drift_diffusion(self, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        beta = self.beta(t)
        return -0.5 * beta * x, beta.sqrt()

    def discretize(self, x: Tensor, t: Tensor, step: float) -> tuple[Tensor, Tensor]:
        """DDPM step with ``beta_i = beta(t) * step`` (score_sde's discrete betas on any grid)."""
        beta_step = (self.beta(t) * step).clamp(max=1.0)
        return (torch.sqrt(1.0 - beta_step) - 1.0) * x, beta_step.sqrt()


class SubVPSDE(_LinearBetaSDE):
    """Sub-VP SDE of Song et al.: VP drift, diffusion ``beta(t) (1 - e^{-2 int beta})``.

    Its marginal std is ``1 - e^{-int beta}`` (below the VP one).
    """

    def sigma(self, t: Tensor) -> Tensor:
        return -torch.expm1(2.0 * self._log_alpha(t))

    def drift_diffusion(self, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        beta = self.beta(t)
        discount = -torch.expm1(4.0 * self._log_alpha(t))
        return -0.5 * beta * x, torch.sqrt(beta * discount)


class VESDE(SDE):
    """Variance-exploding SDE with ``sigma(t) = sigma_min (sigma_max / sigma_min)^t``.

    As in score_sde and GDSS, the marginal std is ``sigma(t)`` itself (so ``t = 0`` carries a
    ``sigma_min`` smoothing) and the prior is ``N(0, sigma_max^2 I)``.

    Args:
        sigma_min: ``sigma(0)``.
        sigma_max: ``sigma(1)``.
        num_scales: default number of sampling steps.
    """

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0,
                 num_scales: int = 1000) -> None:
        super().__init__(num_scales)
        if not 0 < sigma_min < sigma_max:
            raise ValueError(f"VESDE needs 0 < sigma_min < sigma_max, got {sigma_min}, {sigma_max}")
        self.sigma_min = float(sigma_min)
        self.sigma_max = float(sigma_max)
        self._log_ratio = math.log(self.sigma_max / self.sigma_min)

    def alpha(self, t: Tensor) -> Tensor:
        return torch.ones_like(t)

    def sigma(self, t: Tensor) -> Tensor:
        return self.sigma_min * torch.exp(t * self._log_ratio)

    def log_snr(self, t: Tensor) -> Tensor:
        return -(math.log(self.sigma_min) + t * self._log_ratio)

    def drift_diffusion(self, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        # A 0-d zero drift broadcasts and saves a full-size allocation per step.
        return x.new_zeros(()), self.sigma(t) * math.sqrt(2.0 * self._log_ratio)

    def discretize(self, x: Tensor, t: Tensor, step: float) -> tuple[Tensor, Tensor]:
        """SMLD step: no drift, ``G = sqrt(sigma(t)^2 - sigma(t - step)^2)``."""
        g2 = self.sigma(t).square() - self.sigma(t - step).square()
        return x.new_zeros(()), g2.clamp_min(0).sqrt()

    @property
    def prior_std(self) -> float:
        return self.sigma_max

    def __repr__(self) -> str:
        return f"VESDE(sigma_min={self.sigma_min}, sigma_max={self.sigma_max}, num_scales={self.N})"
