"""Dataclasses returned by sampler steps and sampling runs."""

from __future__ import annotations

from dataclasses import dataclass

from geogen.data.states import State

__all__ = ["StepResult", "SampleResult"]


@dataclass(frozen=True)
class StepResult:
    """One predictor/corrector update.

    Attributes:
        sample: the new state, noise included.
        mean: the same update without the final noise term (the "denoised" state).
    """

    sample: State
    mean: State


@dataclass(frozen=True)
class SampleResult:
    """A finished sampling run.

    Attributes:
        state: the final state (for SDE samplers the noise-free mean of the last step).
        nfe: number of ``score_fn`` calls (one call scores every component).
        seconds: wall-clock time of the run (device synchronised).
    """

    state: State
    nfe: int
    seconds: float
