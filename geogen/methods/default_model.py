"""The model `geogen sample` uses when no checkpoint is given: a GDSS trained by us on QM9."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from geogen.errors import GeogenError

__all__ = ["default_checkpoint", "DEFAULT_CHECKPOINT_NAME"]

DEFAULT_CHECKPOINT_NAME = "gdss_qm9_default.ckpt"


def default_checkpoint() -> Path:
    """Path of the embedded QM9 checkpoint shipped inside the package."""
    path = Path(str(resources.files("geogen") / "assets" / DEFAULT_CHECKPOINT_NAME))
    if not path.is_file():
        raise GeogenError(f"the embedded default model {path} is missing from this installation; "
                          "pass a checkpoint: geogen sample CKPT -n N --out FILE")
    return path
