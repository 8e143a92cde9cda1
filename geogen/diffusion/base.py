"""What every sampler shares: the score-function contract, NFE counting, timing, seeding."""

from __future__ import annotations

import copy

import time
from abc import ABC, abstractmethod
from typing import Callable, Iterable

import torch
from torch import Tensor

from geogen.data.states import State
from geogen.diffusion.joint import BoundProcess, JointSDE
from geogen.diffusion.results import SampleResult

__all__ = ["ScoreFn", "CountingScoreFn", "Sampler", "make_generator", "time_rows", "sde_grid"]

#: ``score_fn(state, t[B]) -> {component name: score shaped like the component}``.
ScoreFn = Callable[[State, Tensor], "dict[str, Tensor]"]


class CountingScoreFn:
    """Wraps a score function and counts its calls (the NFE of one run)."""

    def __init__(self, score_fn: ScoreFn) -> None:
        self.score_fn = score_fn
        self.calls = 0

    def __call__(self, state: State, t: Tensor) -> dict[str, Tensor]:
        self.calls += 1
        return self.score_fn(state, t)


def make_generator(generator: torch.Generator | int | None,
                   device: torch.device) -> torch.Generator | None:
    """A generator on ``device``: passed through, or seeded from an int, or ``None``."""
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    return torch.Generator(device=device).manual_seed(int(generator))


def time_rows(times: Tensor, template: State) -> Tensor:
    """``[M, B]`` per-sample time vectors in the state's dtype/device (row ``i`` = ``times[i]``)."""
    like = next(iter(template.components().values()))
    rows = times.to(dtype=like.dtype, device=like.device)
    return rows[:, None].expand(-1, template.batch_size).contiguous()


def _progress(items: Iterable, enabled: bool, desc: str) -> Iterable:
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, leave=False)


def _synchronize(device: torch.device) -> None:
    # CUDA kernels run asynchronously: wait for them so `seconds` is the real time.
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Sampler(ABC):
    """Integrates a :class:`JointSDE` backwards from its prior with any score function.

    Args:
        process: the forward process (one SDE and noise space per component).
        num_steps: number of steps (SDE samplers default to the process's ``N``).
        eps: last time of the grid (GDSS samples down to ``1e-3``).
    """

    def __init__(self, process: JointSDE, num_steps: int | None = None, eps: float = 1e-3) -> None:
        self.process = process
        self.num_steps = num_steps
        self.eps = float(eps)

    @property
    def steps(self) -> int:
        return int(self.num_steps if self.num_steps is not None else self.process.N)

    def with_num_steps(self, num_steps: int) -> "Sampler":
        """The same sampler (same process and settings) with ``num_steps`` steps."""
        other = copy.copy(self)
        other.num_steps = int(num_steps)
        return other

    def sample(self, score_fn: ScoreFn, template: State, *,
               generator: torch.Generator | int | None = None,
               progress: bool = False) -> SampleResult:
        """Draw one batch.

        Args:
            score_fn: ``score_fn(state, t[B]) -> dict`` with one score per component.
            template: a state with the layout to sample (shapes, dtype, device, mask or batch);
                its component values are ignored.
            generator: a ``torch.Generator`` or an int seed (on the template's device).
            progress: show a tqdm bar.

        Returns:
            :class:`SampleResult` with the final state, the NFE and the seconds taken.
        """
        counted = CountingScoreFn(score_fn)
        generator = make_generator(generator, template.device)
        _synchronize(template.device)
        start = time.perf_counter()
        with torch.no_grad():
            bound = self.process.bind(template)
            state = self._run(counted, bound, template, generator, progress)
        _synchronize(template.device)
        return SampleResult(state=state, nfe=counted.calls, seconds=time.perf_counter() - start)

    @abstractmethod
    def _run(self, score_fn: ScoreFn, process: BoundProcess, template: State,
             generator: torch.Generator | None, progress: bool) -> State:
        """The integration loop; returns the final state."""

    def _iterate(self, count: int, progress: bool) -> Iterable[int]:
        return _progress(range(count), progress, type(self).__name__)


def sde_grid(T: float, num_steps: int, eps: float) -> tuple[Tensor, float]:
    """Evaluation times of the SDE samplers (score_sde/GDSS convention) and their step.

    ``num_steps`` times ``linspace(T, eps, num_steps)``; every step has the constant size
    ``(T - eps) / (num_steps - 1)`` (``1e-3`` for GDSS's 1,000 steps and ``eps = 1e-3``), so
    the last step goes from ``eps`` to ``eps - step``.
    """
    if num_steps < 2:
        raise ValueError(f"SDE samplers need at least 2 steps, got {num_steps}")
    times = torch.linspace(T, eps, num_steps, dtype=torch.float64)
    return times, (T - eps) / (num_steps - 1)
