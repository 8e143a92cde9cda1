"""Where the raw generic-graph files come from: the local mirror first, else the upstream URL.

Each raw file is named by a :class:`RawSource` (upstream URL, sha256, path inside the mirror).
:func:`fetch_raw` returns a local path to a verified copy: the mirror's file when
``$GEOGEN_DATA_MIRROR`` holds it (read in place, never copied), else a download into the
dataset's ``raw/`` folder, checked against the sha256 before it is used.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from geogen.errors import GeogenError
from geogen.paths import mirror_root

__all__ = ["RawSource", "fetch_raw", "sha256_of"]


@dataclass(frozen=True)
class RawSource:
    """One public raw file.

    Args:
        filename: the file's name in ``raw/``.
        url: the upstream download address.
        sha256: the expected checksum (hex).
        mirror_path: the file's path relative to the mirror root.
    """

    filename: str
    url: str
    sha256: str
    mirror_path: str


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_raw(source: RawSource, raw_dir: Path) -> Path:
    """A local, checksum-verified copy of ``source``.

    Args:
        source: the raw file to fetch.
        raw_dir: where a downloaded copy is kept (``<data_root>/<name>/raw``).

    Returns:
        The mirror's file if the mirror has it, else the downloaded file in ``raw_dir``.
    """
    mirror = mirror_root()
    if mirror is not None and (mirror / source.mirror_path).is_file():
        return mirror / source.mirror_path
    target = raw_dir / source.filename
    if target.is_file() and sha256_of(target) == source.sha256:
        return target
    _download(source, target)
    return target


def _download(source: RawSource, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Download to a temporary file so an interrupted transfer never leaves a partial raw file.
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            with urllib.request.urlopen(source.url, timeout=60) as response:
                shutil.copyfileobj(response, tmp)
        except OSError as error:
            tmp_path.unlink(missing_ok=True)
            raise GeogenError(f"cannot download {source.url} ({error}); set GEOGEN_DATA_MIRROR to a "
                              f"local mirror holding {source.mirror_path}") from error
    digest = sha256_of(tmp_path)
    if digest != source.sha256:
        tmp_path.unlink(missing_ok=True)
        raise GeogenError(f"checksum mismatch for {source.url}: got {digest}, expected {source.sha256}")
    tmp_path.replace(target)
