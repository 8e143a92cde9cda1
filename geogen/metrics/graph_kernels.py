"""Kernels on graph descriptors and the MMD estimate the graph-generation literature reports.

All three kernels are Gaussians of a distance between descriptor vectors:

* :class:`GaussianEMD` -- ``exp(-W1(x, y)^2 / (2 sigma^2))`` with ``W1`` the earth mover's
  distance between two histograms on the support ``0, 1, 2, ...`` (ground distance
  ``|i - j| / distance_scaling``). For normalised 1-D histograms ``W1`` is the L1 distance
  between their cumulative sums, which is what GDSS's ``pyemd`` call returns.
* :class:`GaussianTV` -- ``exp(-TV(x, y)^2 / (2 sigma^2))``, ``TV = 0.5 * ||x - y||_1`` (SPECTRE,
  DiGress).
* :class:`Gaussian` -- ``exp(-||x - y||_2^2 / (2 sigma^2))`` (GDSS's orbit kernel).

Vectors of different lengths are zero-padded to a common length, as GDSS/GRAN do.
:func:`mmd_squared` is the biased estimate ``mean K(X, X) + mean K(Y, Y) - 2 mean K(X, Y)``:
GDSS, GRAN, SPECTRE and DiGress all print this value (a squared MMD, no square root) as "MMD".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GaussianEMD", "GaussianTV", "Gaussian", "mmd_squared", "pad_rows"]


def pad_rows(rows: list[np.ndarray], length: int | None = None) -> np.ndarray:
    """Stack 1-D arrays into a ``[len(rows), L]`` float64 matrix, zero-padding on the right."""
    length = max([len(r) for r in rows] + [length or 0])
    out = np.zeros((len(rows), length))
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def _cdist(x: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    from scipy.spatial.distance import cdist

    return cdist(x, y, metric=metric)


@dataclass(frozen=True)
class GaussianEMD:
    """Gaussian kernel of the 1-D earth mover's distance between histograms."""

    sigma: float = 1.0
    distance_scaling: float = 1.0
    name: str = "gauss_emd"

    def gram(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``[n, m]`` kernel matrix between the rows of ``x [n, L]`` and ``y [m, L]``."""
        emd = _cdist(np.cumsum(x, axis=1), np.cumsum(y, axis=1), "cityblock") / self.distance_scaling
        return np.exp(-emd * emd / (2 * self.sigma * self.sigma))


@dataclass(frozen=True)
class GaussianTV:
    """Gaussian kernel of the total-variation distance."""

    sigma: float = 1.0
    name: str = "gauss_tv"

    def gram(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``[n, m]`` kernel matrix between the rows of ``x [n, L]`` and ``y [m, L]``."""
        tv = _cdist(x, y, "cityblock") / 2.0
        return np.exp(-tv * tv / (2 * self.sigma * self.sigma))


@dataclass(frozen=True)
class Gaussian:
    """Gaussian (RBF) kernel of the Euclidean distance."""

    sigma: float = 1.0
    name: str = "gauss"

    def gram(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``[n, m]`` kernel matrix between the rows of ``x [n, L]`` and ``y [m, L]``."""
        squared = _cdist(x, y, "sqeuclidean")
        return np.exp(-squared / (2 * self.sigma * self.sigma))


def mmd_squared(x: np.ndarray, y: np.ndarray, kernel) -> float:
    """Biased squared-MMD estimate between two descriptor sets.

    Args:
        x: ``[n, L]`` descriptors of the first set (e.g. reference graphs).
        y: ``[m, L']`` descriptors of the second set; both are zero-padded to a common width.
        kernel: an object with ``gram(x, y) -> [n, m]``.

    Returns:
        ``mean K(x, x) + mean K(y, y) - 2 mean K(x, y)`` (0 when ``x`` and ``y`` are equal);
        NaN when either set is empty.
    """
    if len(x) == 0 or len(y) == 0:
        return float("nan")
    width = max(x.shape[1], y.shape[1])
    x = np.pad(x, ((0, 0), (0, width - x.shape[1])))
    y = np.pad(y, ((0, 0), (0, width - y.shape[1])))
    value = kernel.gram(x, x).mean() + kernel.gram(y, y).mean() - 2 * kernel.gram(x, y).mean()
    return float(value)
