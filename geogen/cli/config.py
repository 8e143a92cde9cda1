"""Hydra composition for the command line, with one-line errors for bad overrides."""

from __future__ import annotations

import re
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from geogen.errors import GeogenError
from geogen.paths import config_dir

__all__ = ["compose_config", "available_experiments"]

_KEY_PATTERNS = (
    re.compile(r"Could not override '([^']+)'"),
    re.compile(r"Key '([^']+)' is not in struct"),
    re.compile(r"Could not append to config. An item is already at '([^']+)'"),
)


def available_experiments() -> list[str]:
    """Names accepted by ``experiment=NAME`` (the files of ``configs/experiment``)."""
    root = config_dir() / "experiment"
    return sorted(p.stem for p in root.glob("*.yaml"))


def _explain(error: Exception, overrides: list[str]) -> str:
    text = str(error)
    for pattern in _KEY_PATTERNS:
        match = pattern.search(text)
        if match:
            key = match.group(1)
            return f"unknown config key '{key}' (prefix it with '+' to add a new key: +{key}=...)"
    if "experiment" in text and "not found" in text.lower():
        return f"unknown experiment; available: {', '.join(available_experiments())}"
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return f"bad config override ({' '.join(overrides)}): {first_line}"


def compose_config(name: str, overrides: list[str]) -> DictConfig:
    """Compose ``configs/<name>.yaml`` with Hydra overrides; raise GeogenError on bad input.

    Returns the composed config including the ``hydra`` node (for ``hydra.run.dir``).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(Path(config_dir()).resolve()), version_base="1.3"):
            cfg = compose(config_name=name, overrides=list(overrides), return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError) as error:
        raise GeogenError(_explain(error, overrides)) from None
    finally:
        GlobalHydra.instance().clear()
    return cfg


def to_container(cfg: DictConfig) -> dict:
    """The resolved config as plain Python containers."""
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
