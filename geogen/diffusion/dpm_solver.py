"""DPM-Solver++(2M): multistep second-order solver in x0 form, of the probability-flow ODE
(``eta = 0``) or of the reverse SDE (``eta = 1``, the SDE-DPM-Solver++(2M) variant)."""

from __future__ import annotations

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.base import Sampler, ScoreFn, time_rows
from geogen.diffusion.correctors import Corrector, NoneCorrector
from geogen.diffusion.grids import LogSNRGrid, TimeGrid
from geogen.diffusion.joint import BoundPart, BoundProcess, JointSDE

__all__ = ["DPMSolverPP"]


class DPMSolverPP(Sampler):
    """DPM-Solver++(2M) (Lu et al., 2022) with data prediction, per component.

    Every component keeps its own ``alpha``/``sigma`` schedule and log-SNR steps
    ``h = lambda_s - lambda_t`` on one shared time grid (one score call per step). Update
    from ``t`` to ``s``: ``x_s = (sigma_s / sigma_t) x_t - alpha_s expm1(-h) D`` with
    ``D = x0_hat`` on the first step and ``D = (1 + 1/(2r)) x0_hat - 1/(2r) x0_prev``,
    ``r = h_prev / h``, afterwards. NFE = ``num_steps``.

    With ``eta > 0`` the step is stochastic (Lu et al., 2022, SDE variant):
    ``x_s = (sigma_s / sigma_t) e^{-eta h} x_t + alpha_s (1 - e^{-(1+eta) h}) D
    + sigma_s sqrt(1 - e^{-2 eta h}) z``. The injected noise corrects a prior that does not
    match the forward marginal at ``T`` (GDSS's VE SDEs with ``sigma_max = 1``), which the
    deterministic ODE cannot.

    Args:
        process: the forward process.
        num_steps: number of steps (20 suffices for simple targets).
        eps: last time.
        grid: shared time grid; default uniform in the log-SNR of the first component.
        lower_order_final: first-order last step when ``num_steps < 10`` (more stable).
        eta: 0 for the ODE, 1 for the SDE variant (values between interpolate).
        corrector: a corrector applied before every step (e.g. GDSS's Langevin move), for
            models whose prior does not match the forward marginal at ``T``; each corrector
            move costs one more NFE. Default: none.
    """

    def __init__(self, process: JointSDE, num_steps: int = 20, eps: float = 1e-3,
                 grid: TimeGrid | None = None, lower_order_final: bool = True,
                 eta: float = 0.0, corrector: Corrector | None = None) -> None:
        super().__init__(process, num_steps, eps)
        if eta < 0:
            raise ValueError(f"eta must be non-negative, got {eta}")
        self.grid = grid if grid is not None else LogSNRGrid()
        self.lower_order_final = lower_order_final
        self.eta = float(eta)
        self.corrector = corrector if corrector is not None else NoneCorrector()

    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        times = self.grid.times(self.process, self.steps, self.eps)
        rows = time_rows(times, template)
        state = process.prior_sample(template, generator)
        history: dict[str, tuple[Tensor, Tensor]] = {}  # name -> (x0_hat, h) of the last step
        for i in self._iterate(self.steps, progress):
            delta = float(times[i] - times[i + 1])
            state = self.corrector.update(state, rows[i], score_fn, process=process, step=delta,
                                          generator=generator).sample
            scores = score_fn(state, rows[i])
            final = i == self.steps - 1 and self.lower_order_final and self.steps < 10
            second_order = i > 0 and not final

            def one(part: BoundPart, x: Tensor, t_b: Tensor, name: str):
                moved = self._component_step(part, x, t_b, t_b - delta, scores[name], name,
                                             history, second_order, generator,
                                             noisy=i < self.steps - 1)
                return moved, moved

            state = process.step(state, rows[i], one).sample
        return state

    def _component_step(self, part: BoundPart, x: Tensor, t: Tensor, s: Tensor, score: Tensor,
                        name: str, history: dict[str, tuple[Tensor, Tensor]],
                        second_order: bool, generator: torch.Generator | None,
                        noisy: bool) -> Tensor:
        alpha_t, sigma_t = part.sde.alpha(t), part.sde.sigma(t)
        alpha_s, sigma_s = part.sde.alpha(s), part.sde.sigma(s)
        x0 = (x + sigma_t.square() * score) / alpha_t
        h = part.sde.log_snr(s) - part.sde.log_snr(t)
        direction = x0
        if second_order:
            x0_prev, h_prev = history[name]
            half_inv_r = 0.5 * h / h_prev
            direction = (1.0 + half_inv_r) * x0 - half_inv_r * x0_prev
        history[name] = (x0, h)
        decay = (sigma_s / sigma_t) * torch.exp(-self.eta * h)
        moved = decay * x - alpha_s * torch.expm1(-(1.0 + self.eta) * h) * direction
        if self.eta > 0 and noisy:  # the last step returns the mean (noise removal)
            spread = sigma_s * torch.sqrt(-torch.expm1(-2.0 * self.eta * h))
            moved = moved + spread * part.space.noise(generator)
        return part.space.project(moved)

    def __repr__(self) -> str:
        return (f"DPMSolverPP(num_steps={self.num_steps}, eps={self.eps}, grid={self.grid!r}, "
                f"lower_order_final={self.lower_order_final}, eta={self.eta}, corrector={self.corrector!r})")
