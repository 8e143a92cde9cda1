"""Equivariant trajectory forecasting: predict future positions as pos + an equivariant displacement."""

from __future__ import annotations

import math

import lightning as L
import torch
from torch import nn

__all__ = ["ForecastingModule", "constant_velocity_mse"]


def constant_velocity_mse(pos: torch.Tensor, vel: torch.Tensor, target: torch.Tensor, horizon: float) -> torch.Tensor:
    """MSE of the baseline pos + horizon * vel (horizon = simulated time between the frames)."""
    return (pos + horizon * vel - target).square().mean()


class ForecastingModule(L.LightningModule):
    """Train ``model`` (a PONITA-like network returning ``(scalars, vectors)``) to map a graph at
    one frame to the positions at a later frame: prediction = pos + vectors[:, 0].

    Args:
        model: the equivariant backbone (one output vector channel is used).
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        warmup_epochs: linear warm-up, then cosine decay to 0 over ``max_epochs`` (0 = constant lr).
        max_epochs: length of the cosine schedule (set it to the trainer's max_epochs).

    Logged: ``train/mse`` per step, ``val/mse`` and ``test/mse`` per validation (test = the
    second validation loader when the datamodule provides it), ``test/mse`` in ``trainer.test``.
    """

    def __init__(self, *, model: nn.Module, lr: float = 5e-4, weight_decay: float = 0.0, warmup_epochs: int = 0,
                 max_epochs: int = 0) -> None:
        super().__init__()
        self.model = model
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_epochs, self.max_epochs = warmup_epochs, max_epochs

    def forward(self, graph) -> torch.Tensor:
        """Predicted positions. Shapes: output [N, 3]."""
        _, vectors = self.model(graph)
        return graph.pos + vectors[:, 0]

    def _mse(self, graph) -> torch.Tensor:
        return (self(graph) - graph.y).square().mean()

    def training_step(self, graph, batch_idx: int) -> torch.Tensor:
        loss = self._mse(graph)
        self.log("train/mse", loss, batch_size=int(graph.num_graphs), on_epoch=True, on_step=False, prog_bar=True)
        return loss

    def validation_step(self, graph, batch_idx: int, dataloader_idx: int = 0) -> None:
        name = "val/mse" if dataloader_idx == 0 else "test/mse"
        self.log(name, self._mse(graph), batch_size=int(graph.num_graphs), add_dataloader_idx=False, prog_bar=True)

    def test_step(self, graph, batch_idx: int) -> None:
        self.log("test/mse", self._mse(graph), batch_size=int(graph.num_graphs))

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        if not self.max_epochs:
            return optimizer

        def factor(epoch: int) -> float:
            if epoch < self.warmup_epochs:
                return (epoch + 1) / (self.warmup_epochs + 1)
            progress = (epoch - self.warmup_epochs) / max(1, self.max_epochs - self.warmup_epochs)
            return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

        return {"optimizer": optimizer, "lr_scheduler": torch.optim.lr_scheduler.LambdaLR(optimizer, factor)}
