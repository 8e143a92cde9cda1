"""Test configuration: the local data mirror, float64 helpers, no network."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("GEOGEN_DATA_MIRROR", str(REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The local mirror of public raw data; CI expects it, so its absence is a failure."""
    path = Path(os.environ["GEOGEN_DATA_MIRROR"])
    if not path.is_dir():
        pytest.fail(f"GEOGEN_DATA_MIRROR={path} does not exist: tests need the shared data mirror")
    return path


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """``../shared/reference`` (official checkpoints, reference samples)."""
    path = Path(os.environ["GEOGEN_DATA_MIRROR"]).parent / "reference"
    if not path.is_dir():
        pytest.fail(f"{path} does not exist: tests need the shared reference artefacts")
    return path
