"""An isotropic Gaussian mixture with the exact score of its diffused marginals.

Used by the closed-form tests, ``geogen demo`` and the sampler benchmark: under any process
with ``x_t = alpha x_0 + sigma z``, component ``k`` becomes ``N(alpha mu_k, (alpha^2 s_k^2 +
sigma^2) I)``, so the score of ``p_t`` is known exactly.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.joint import JointSDE

__all__ = ["GaussianMixture"]


class GaussianMixture:
    """Mixture of isotropic Gaussians in ``D`` dimensions.

    Args:
        means: ``[K, D]`` component means.
        stds: ``[K]`` component standard deviations.
        weights: ``[K]`` mixture weights (normalised here).
    """

    def __init__(self, means: Sequence[Sequence[float]] | Tensor, stds: Sequence[float] | Tensor,
                 weights: Sequence[float] | Tensor) -> None:
        self.means = torch.as_tensor(means, dtype=torch.float64)
        self.stds = torch.as_tensor(stds, dtype=torch.float64)
        weights = torch.as_tensor(weights, dtype=torch.float64)
        self.weights = weights / weights.sum()
        count = (len(self.means),)
        if self.means.dim() != 2 or self.stds.shape != count or self.weights.shape != count:
            raise ValueError("GaussianMixture needs means [K, D], stds [K], weights [K]")

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def mean(self) -> Tensor:
        """``[D]`` mean of the mixture."""
        return self.weights @ self.means

    def std(self) -> Tensor:
        """``[D]`` per-coordinate standard deviation of the mixture."""
        second = self.weights @ (self.means.square() + self.stds.square()[:, None])
        return (second - self.mean().square()).sqrt()

    def sample(self, num_samples: int, generator: torch.Generator | None = None,
               dtype: torch.dtype = torch.float64) -> Tensor:
        """``[num_samples, D]`` exact samples."""
        which = torch.multinomial(self.weights, num_samples, replacement=True, generator=generator)
        noise = torch.randn(num_samples, self.dim, generator=generator, dtype=torch.float64)
        return (self.means[which] + self.stds[which, None] * noise).to(dtype)

    def score(self, x: Tensor, alpha: Tensor, sigma: Tensor) -> Tensor:
        """Score of the diffused mixture at ``x``.

        Shapes:
            x: ``[B, D]``; alpha, sigma: ``[B, 1]`` (or scalars). Returns ``[B, D]``.
        """
        # Component-major [K, B] layout: reductions over a tiny last axis (softmax over K=2)
        # are ~10x slower on CPU than matmuls and reductions over the first axis.
        means = self.means.to(x)  # [K, D]
        alpha = torch.as_tensor(alpha, dtype=x.dtype).reshape(-1)  # [B] or [1]
        sigma = torch.as_tensor(sigma, dtype=x.dtype).reshape(-1)  # [B] or [1]
        var = alpha.square() * self.stds.to(x).square()[:, None] + sigma.square()  # [K, B]
        dots = means @ x.T  # [K, B]
        x_sq = x.square() @ torch.ones(self.dim, dtype=x.dtype, device=x.device)  # [B]
        m_sq = means.square().sum(1, keepdim=True)  # [K, 1]
        dist = alpha.square() * m_sq - 2.0 * alpha * dots + x_sq  # [K, B]
        logits = (self.weights.to(x).log()[:, None] - 0.5 * self.dim * var.log()
                  - 0.5 * dist / var)  # [K, B]
        resp = torch.exp(logits - logits.max(dim=0).values)  # [K, B]
        weight = resp / (resp.sum(dim=0) * var)  # [K, B]: responsibility / variance
        return alpha[:, None] * (weight.T @ means) - weight.sum(dim=0)[:, None] * x

    def score_fn(self, process: JointSDE, name: str = "x"):
        """A sampler ``score_fn(state, t)`` for a state whose component ``name`` is ``[B, D]``."""
        sde = process.sdes[name]

        def score_fn(state: State, t: Tensor) -> dict[str, Tensor]:
            t_b = state.broadcast_time(t)[name]  # [B, 1]
            return {name: self.score(getattr(state, name), sde.alpha(t_b), sde.sigma(t_b))}

        return score_fn
