"""The one place that fetches, verifies and caches raw files.

Lookup order for a :class:`RemoteFile`: the dataset's ``raw/`` folder, then the local mirror
(``$GEOGEN_DATA_MIRROR``, read in place, never copied), then the network (written to a
temporary file, checked against its sha256 and renamed, so a broken download never leaves a
partial file). A file that cannot be obtained raises :class:`GeogenError` naming the file, the
places looked at and the URL.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from geogen.errors import GeogenError
from geogen.paths import mirror_root

__all__ = ["RemoteFile", "fetch", "sha256_of", "locate"]


@dataclass(frozen=True)
class RemoteFile:
    """A public raw file.

    Args:
        name: file name inside the dataset's ``raw/`` folder.
        url: where it is downloaded from.
        sha256: expected checksum of the downloaded bytes (None: not verified, documented).
        mirror_path: path relative to the local mirror root, if the mirror holds it.
    """

    name: str
    url: str
    sha256: str | None = None
    mirror_path: str | None = None


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def locate(remote: RemoteFile, raw_dir: Path) -> Path | None:
    """The cached or mirrored copy of ``remote``, or None (never downloads)."""
    cached = Path(raw_dir) / remote.name
    if cached.is_file():
        return cached
    mirror = mirror_root()
    if mirror is not None and remote.mirror_path is not None:
        candidate = mirror / remote.mirror_path
        if candidate.is_file():
            return candidate
    return None


def _download(remote: RemoteFile, target: Path, timeout: float) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{remote.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(remote.url, timeout=timeout) as response:
            while block := response.read(1 << 20):
                out.write(block)
        if remote.sha256 is not None:
            found = sha256_of(Path(temp))
            if found != remote.sha256:
                raise GeogenError(f"checksum mismatch for {remote.name} from {remote.url}: "
                                  f"expected sha256 {remote.sha256}, got {found}")
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def fetch(remote: RemoteFile, raw_dir: str | os.PathLike, timeout: float = 60.0) -> Path:
    """Path of a local copy of ``remote``: cached, mirrored, or freshly downloaded.

    Args:
        remote: the file.
        raw_dir: the dataset's ``raw/`` folder (downloads land here).
        timeout: network timeout in seconds.

    Raises:
        GeogenError: the file is not cached, not mirrored and the download failed.
    """
    raw_dir = Path(raw_dir)
    found = locate(remote, raw_dir)
    if found is not None:
        return found
    target = raw_dir / remote.name
    try:
        _download(remote, target, timeout)
    except GeogenError:
        raise
    except Exception as error:  # network errors come in many types (URLError, timeout, OSError)
        mirror = mirror_root()
        if mirror is None:
            where = "no mirror set"
        elif remote.mirror_path:
            where = f"{mirror / remote.mirror_path}"
        else:
            where = f"{mirror} does not carry this file"
        raise GeogenError(
            f"cannot obtain {remote.name}: not in {raw_dir}, not in the mirror ({where}), and "
            f"downloading {remote.url} failed ({type(error).__name__}: {error}); download it "
            f"yourself to {target} or set GEOGEN_DATA_MIRROR") from None
    return target
