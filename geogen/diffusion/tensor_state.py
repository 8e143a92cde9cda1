"""A plain batch of vectors as a state, for toy problems, tests and single-tensor processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import Tensor

from geogen.data.states import State

__all__ = ["TensorState"]


@dataclass(frozen=True)
class TensorState(State):
    """A batch of samples with one component ``x``.

    Shapes:
        x: ``[B, ...]``, the leading axis indexes samples.
    """

    x: Tensor

    COMPONENTS: ClassVar[tuple[str, ...]] = ("x",)

    def __post_init__(self) -> None:
        if self.x.dim() < 1:
            raise ValueError("TensorState.x needs a leading batch axis")

    @property
    def batch_size(self) -> int:
        return self.x.shape[0]

    def broadcast_time(self, t: Tensor) -> dict[str, Tensor]:
        return {"x": t.view(-1, *([1] * (self.x.dim() - 1)))}
