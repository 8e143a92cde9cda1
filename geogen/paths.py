"""Where geogen finds configs, the data cache and the local data mirror (no hard-coded paths)."""

from __future__ import annotations

import os
from pathlib import Path

from geogen.errors import GeogenError

__all__ = ["config_dir", "data_root", "mirror_root"]


def config_dir() -> Path:
    """The Hydra config directory: ``$GEOGEN_CONFIG_DIR``, else ``configs/`` beside the package."""
    env = os.environ.get("GEOGEN_CONFIG_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent / "configs")
    for candidate in candidates:
        if (candidate / "train.yaml").is_file():
            return candidate
    raise GeogenError(
        "cannot find geogen's configs/ (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); install geogen from its source tree with `pip install -e .` or set GEOGEN_CONFIG_DIR"
    )


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The dataset cache root: ``root`` if given, else ``$GEOGEN_DATA``, else ``datasets/``."""
    if root is not None:
        return Path(root)
    env = os.environ.get("GEOGEN_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "datasets"


def mirror_root() -> Path | None:
    """The local mirror of public raw files (``$GEOGEN_DATA_MIRROR``), or None."""
    env = os.environ.get("GEOGEN_DATA_MIRROR")
    return Path(env) if env else None
