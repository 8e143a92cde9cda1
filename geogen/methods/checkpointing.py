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


def _is_official_gdss(path: Path) -> bool:
    from geogen.nn.gdss.official import read_official_checkpoint

    try:
        read_official_checkpoint(path)
    except GeogenError:
        return False
    return True


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
        if _is_official_gdss(path):
            raise GeogenError(f"{path} is an official GDSS checkpoint: run `geogen convert "
                              f"gdss-official {path} --out CKPT` first") from None
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


def save_geogen_checkpoint(method, method_config: dict, path: str | Path,
                           ema_state: dict | None = None) -> None:
    """Write a checkpoint that :func:`load_method` and ``geogen sample`` accept (atomically)."""
    from geogen.io import atomic_output
    from geogen.methods.ema import EMA_KEY

    payload = {"state_dict": method.state_dict(),
               METADATA_KEY: {"version": __version__, "method_config": method_config}}
    if ema_state:
        payload[EMA_KEY] = ema_state
    with atomic_output(path) as temp:
        torch.save(payload, temp)


def load_method(path: str | Path, use_ema: bool = True):
    """Rebuild the method stored in a geogen checkpoint, on the CPU and in eval mode.

    Args:
        path: a checkpoint written by ``geogen train`` or ``geogen convert``.
        use_ema: load the EMA weights when the checkpoint has them.
    """
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    from geogen.methods.ema import EMA_KEY

    checkpoint = load_geogen_checkpoint(path)
    config = checkpoint[METADATA_KEY]["method_config"]
    try:
        method = instantiate(config, _convert_="partial")
    except InstantiationException as error:
        cause = error.__cause__ if error.__cause__ is not None else error
        reason = str(cause).strip().splitlines()[-1] if str(cause).strip() else type(cause).__name__
        raise GeogenError(f"{path} describes a method this geogen cannot build ({reason})") from None
    try:
        method.load_state_dict(checkpoint["state_dict"])
        if use_ema and checkpoint.get(EMA_KEY):
            method.load_state_dict(checkpoint[EMA_KEY], strict=False)
    except RuntimeError as error:
        raise GeogenError(f"the weights in {path} do not fit its method config "
                          f"({str(error).splitlines()[0]})") from None
    return method.eval()
