"""Fit a LightningModule method on a LightningDataModule (the task behind most experiments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geogen.errors import GeogenError

__all__ = ["FitTask"]


class FitTask:
    """Train ``method`` on ``datamodule`` with a Lightning ``Trainer``.

    Args:
        method: a LightningModule (built by Hydra from injected objects).
        datamodule: a LightningDataModule.
        trainer: keyword arguments for ``lightning.Trainer`` (``max_epochs``, ``devices``,
            ``strategy``, ...). ``accelerator`` defaults to ``auto``: the CPU when no GPU is visible.
        callbacks: extra Lightning callbacks (e.g. :class:`geogen.methods.ema.EMA`).
        seed: global seed for Lightning's ``seed_everything``.
        ckpt_path: resume from this checkpoint (``last`` = the run directory's last.ckpt).
        checkpoint_every_n_steps: also save ``last.ckpt`` this often inside an epoch (0 = only
            at epoch ends), so a run killed mid-epoch loses little.
    """

    def __init__(self, *, method: Any, datamodule: Any, trainer: dict | None = None,
                 callbacks: list | None = None, seed: int = 0, ckpt_path: str | None = None,
                 checkpoint_every_n_steps: int = 0) -> None:
        self.method = method
        self.datamodule = datamodule
        self.trainer_kwargs = dict(trainer or {})
        self.callbacks = list(callbacks or [])
        self.seed = seed
        self.ckpt_path = ckpt_path
        self.checkpoint_every_n_steps = checkpoint_every_n_steps

    def _callbacks(self, run_dir: Path, method_config: dict | None) -> list:
        from lightning.pytorch.callbacks import ModelCheckpoint

        from geogen.methods.checkpointing import GeogenMetadata

        callbacks = [
            ModelCheckpoint(dirpath=run_dir / "checkpoints", save_last=True, save_top_k=0,
                            every_n_train_steps=self.checkpoint_every_n_steps or None),
            GeogenMetadata(method_config=method_config),
        ]
        return callbacks + self.callbacks

    def run(self, run_dir: Path, config: dict | None = None) -> None:
        """Fit; ``config`` is the resolved run config, whose ``task.method`` node is stored in
        every checkpoint so that ``geogen sample`` can rebuild the model without the run."""
        import lightning as L
        from lightning.pytorch.loggers import CSVLogger

        L.seed_everything(self.seed, workers=True, verbose=False)
        method_config = (config or {}).get("task", {}).get("method")
        kwargs = {"accelerator": "auto", "devices": "auto", **self.trainer_kwargs}
        trainer = L.Trainer(default_root_dir=str(run_dir), logger=CSVLogger(str(run_dir), name="logs"),
                            callbacks=self._callbacks(run_dir, method_config),
                            **kwargs)
        ckpt_path = self.ckpt_path
        if ckpt_path == "last":
            ckpt_path = str(run_dir / "checkpoints" / "last.ckpt")
        if ckpt_path is not None and not Path(ckpt_path).is_file():
            raise GeogenError(f"cannot resume: checkpoint {ckpt_path} does not exist")
        trainer.fit(self.method, datamodule=self.datamodule, ckpt_path=ckpt_path)
