"""Checkpoint metadata: what `geogen sample` needs to rebuild a method without its run config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import torch

from geogen import __version__
from geogen.errors import GeogenError

__all__ = ["GeogenMetadata", "load_geogen_checkpoint", "METADATA_KEY"]

METADATA_KEY = "geogen"


class GeogenMetadata(L.Callback):
    """Adds ``checkpoint["geogen"] = {"version", "method_config"}`` to every checkpoint."""

    def __init__(self, method_config: dict | None) -> None:
        self.method_config = method_config

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        checkpoint[METADATA_KEY] = {"version": __version__, "method_config": self.method_config}


def load_geogen_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a geogen checkpoint on the CPU; one clear GeogenError for anything else.

    Returns the checkpoint dict with keys ``state_dict`` and ``geogen`` (``method_config``).
    """
    path = Path(path)
    if not path.is_file():
        raise GeogenError(f"checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # corrupted, truncated or not a torch file at all
        raise GeogenError(f"cannot read checkpoint {path}: not a valid PyTorch checkpoint "
                          f"({type(error).__name__})") from None
    if not isinstance(checkpoint, dict) or METADATA_KEY not in checkpoint:
        hint = ""
        if isinstance(checkpoint, dict) and {"params_x", "x_state_dict"} <= set(checkpoint):
            hint = "; it looks like an official GDSS checkpoint: run `geogen convert gdss-official` first"
        raise GeogenError(f"{path} is not a geogen checkpoint{hint}")
    meta = checkpoint[METADATA_KEY]
    if not isinstance(meta, dict) or not meta.get("method_config"):
        raise GeogenError(f"{path} carries no method config; it cannot be sampled")
    return checkpoint
