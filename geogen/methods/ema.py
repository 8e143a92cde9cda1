"""Exponential moving average of a method's weights, as a shared Lightning callback."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import lightning as L
import torch
from torch import nn

__all__ = ["EMA", "swap_in_ema"]

EMA_KEY = "ema_state_dict"


class EMA(L.Callback):
    """Keeps ``shadow = decay * shadow + (1 - decay) * weights`` after every optimiser step.

    The shadow weights are stored in checkpoints under ``"ema_state_dict"`` (used by
    ``geogen sample`` by default) and restored on resume; validation runs with them swapped in.

    Args:
        decay: EMA decay (GDSS: 0.999).
    """

    def __init__(self, decay: float = 0.999) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.shadow: dict[str, torch.Tensor] = {}

    @staticmethod
    def _floating(module: nn.Module) -> dict[str, torch.Tensor]:
        # parameters only: buffers (e.g. a node-count distribution) are data, not weights
        return {k: v.detach() for k, v in module.named_parameters() if v.is_floating_point()}

    def on_fit_start(self, trainer, pl_module) -> None:
        if not self.shadow:
            self.shadow = {k: v.detach().clone() for k, v in self._floating(pl_module).items()}
        else:
            self.shadow = {k: v.to(pl_module.device) for k, v in self.shadow.items()}

    @torch.no_grad()
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        current = self._floating(pl_module)
        keys = list(self.shadow)
        torch._foreach_lerp_([self.shadow[k] for k in keys], [current[k] for k in keys],
                             1.0 - self.decay)

    def on_validation_start(self, trainer, pl_module) -> None:
        if self.shadow:
            self._backup = {k: v.detach().clone() for k, v in self._floating(pl_module).items()}
            pl_module.load_state_dict(self.shadow, strict=False)

    def on_validation_end(self, trainer, pl_module) -> None:
        backup = getattr(self, "_backup", None)
        if backup is not None:
            pl_module.load_state_dict(backup, strict=False)
            self._backup = None

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        checkpoint[EMA_KEY] = {k: v.detach().cpu().clone() for k, v in self.shadow.items()}

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        if EMA_KEY in checkpoint:
            self.shadow = {k: v.clone() for k, v in checkpoint[EMA_KEY].items()}

    def state_dict(self) -> dict[str, Any]:
        return {"decay": self.decay}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.decay = state_dict.get("decay", self.decay)


@contextmanager
def swap_in_ema(module: nn.Module, ema_state: dict[str, torch.Tensor] | None) -> Iterator[nn.Module]:
    """Temporarily load EMA weights into ``module`` (no-op when ``ema_state`` is None)."""
    if not ema_state:
        yield module
        return
    backup = {k: v.detach().clone() for k, v in module.state_dict().items()}
    module.load_state_dict(ema_state, strict=False)
    try:
        yield module
    finally:
        module.load_state_dict(backup)
