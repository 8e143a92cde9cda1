"""Generic-graph evaluation: MMDs of degree, clustering, orbit and spectrum, plus V.U.N.

Two protocols, each named in the output keys by its kernel:

=========================  ==========================================  =====================
key                        kernel and descriptor                        protocol
=========================  ==========================================  =====================
degree_mmd_gauss_emd       Gaussian-EMD, sigma 1, degree pmf            GDSS
clustering_mmd_gauss_emd   Gaussian-EMD, sigma 0.1, EMD scaled 1/100,   GDSS
                           100-bin clustering pmf
orbit_mmd_gauss            Gaussian (L2), sigma 30, mean orbit counts   GDSS
spectral_mmd_gauss_emd     Gaussian-EMD, sigma 1, 200-bin spectrum pmf  GDSS
degree_mmd_gauss_tv        Gaussian-TV, sigma 1                         SPECTRE / DiGress
clustering_mmd_gauss_tv    Gaussian-TV, sigma 0.1                       SPECTRE / DiGress
orbit_mmd_gauss_tv         Gaussian-TV, sigma 30                        SPECTRE / DiGress
spectral_mmd_gauss_tv      Gaussian-TV, sigma 1                         SPECTRE / DiGress
=========================  ==========================================  =====================

GDSS's orbit MMD uses the plain Gaussian kernel, not Gaussian-EMD (``load_eval_settings`` in
GDSS), hence ``orbit_mmd_gauss``. Values are the biased squared-MMD estimate that these papers
print as "MMD" (see :func:`geogen.metrics.graph_kernels.mmd_squared`). Histograms are normalised
by their sum (GDSS) or by ``sum + 1e-6`` (SPECTRE). Graphs with no nodes are left out of both
sets, as GDSS/SPECTRE do for samples.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import networkx as nx
import numpy as np

from geogen.errors import GeogenError
from geogen.metrics.graph_kernels import Gaussian, GaussianEMD, GaussianTV, mmd_squared, pad_rows
from geogen.metrics.graph_stats import (ClusteringHistogram, DegreeHistogram, OrbitMeans,
                                        SpectralHistogram)
from geogen.metrics.graph_validity import VALIDITY_TESTS, vun_metrics

__all__ = ["GraphMMD", "GDSS_MMDS", "SPECTRE_MMDS", "evaluate_graphs", "graph_mmds"]


@dataclass(frozen=True)
class GraphMMD:
    """One MMD: a descriptor, a kernel and how histograms are normalised.

    Args:
        descriptor: an object with ``name``, ``is_histogram`` and ``compute(graph) -> [L]``.
        kernel: an object with ``name`` and ``gram(x, y)``.
        normaliser_eps: histograms are divided by ``sum + normaliser_eps``.
    """

    descriptor: object
    kernel: object
    normaliser_eps: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.descriptor.name}_mmd_{self.kernel.name}"

    def prepare(self, rows: list[np.ndarray]) -> np.ndarray:
        """``[n, L]`` descriptor matrix, normalised to pmfs for histograms."""
        matrix = pad_rows(rows)
        if self.descriptor.is_histogram:
            matrix = matrix / (matrix.sum(axis=1, keepdims=True) + self.normaliser_eps)
        return matrix


_DEGREE, _CLUSTERING = DegreeHistogram(), ClusteringHistogram(bins=100)
_ORBIT, _SPECTRAL = OrbitMeans(), SpectralHistogram(bins=200)

GDSS_MMDS = (
    GraphMMD(_DEGREE, GaussianEMD(sigma=1.0)),
    GraphMMD(_CLUSTERING, GaussianEMD(sigma=0.1, distance_scaling=100)),
    GraphMMD(_ORBIT, Gaussian(sigma=30.0)),
    GraphMMD(_SPECTRAL, GaussianEMD(sigma=1.0)),
)
SPECTRE_MMDS = (
    GraphMMD(_DEGREE, GaussianTV(sigma=1.0), 1e-6),
    GraphMMD(_CLUSTERING, GaussianTV(sigma=0.1), 1e-6),
    GraphMMD(_ORBIT, GaussianTV(sigma=30.0), 1e-6),
    GraphMMD(_SPECTRAL, GaussianTV(sigma=1.0), 1e-6),
)
_PROTOCOLS = {"gdss": GDSS_MMDS, "spectre": SPECTRE_MMDS}


def _single_threaded_blas():
    """Limit BLAS to one thread: these matrices are small, and a multi-threaded BLAS whose
    threads spin on a busy machine made the grid evaluation 20x slower (measured)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only a speed matter
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def graph_mmds(samples: list[nx.Graph], reference: list[nx.Graph],
               mmds: tuple[GraphMMD, ...] = GDSS_MMDS + SPECTRE_MMDS) -> dict[str, float]:
    """The MMDs in ``mmds`` between samples and reference; each descriptor is computed once.

    Args:
        samples: generated graphs.
        reference: reference graphs (usually the test split).
        mmds: which MMDs.

    Returns:
        ``{mmd.key: value}``.
    """
    samples = [g for g in samples if g.number_of_nodes() > 0]
    reference = [g for g in reference if g.number_of_nodes() > 0]
    cache: dict[tuple[int, str], list[np.ndarray]] = {}

    def rows(graphs: list[nx.Graph], which: int, descriptor) -> list[np.ndarray]:
        key = (which, descriptor.name)
        if key not in cache:
            cache[key] = [descriptor.compute(g) for g in graphs]
        return cache[key]

    results = {}
    with _single_threaded_blas():
        for mmd in mmds:
            x = mmd.prepare(rows(reference, 0, mmd.descriptor))
            y = mmd.prepare(rows(samples, 1, mmd.descriptor))
            results[mmd.key] = mmd_squared(x, y, mmd.kernel)
    return results


def evaluate_graphs(samples: list[nx.Graph], reference: list[nx.Graph], dataset: str | None = None,
                    train: list[nx.Graph] | None = None, *,
                    protocols: tuple[str, ...] = ("gdss", "spectre")) -> dict[str, float]:
    """All generic-graph metrics of a set of samples.

    Args:
        samples: generated graphs (for GDSS's protocol: decoded with isolated nodes removed,
            see :func:`geogen.data.graph_convert.dense_to_graphs`; as many as reference graphs).
        reference: reference graphs, usually the dataset's test split.
        dataset: benchmark name; ``"planar"`` and ``"sbm"`` add ``valid`` (and ``vun``).
        train: training graphs; adds ``novel``, ``unique_novel`` and (with a validity test)
            ``vun``.
        protocols: which MMD families: ``"gdss"`` (Gaussian-EMD) and/or ``"spectre"``
            (Gaussian-TV).

    Returns:
        ``{key: value}``: the MMD keys of the module table; with ``train`` or a validity test
        also ``unique`` and, when available, ``novel``, ``unique_novel``, ``valid``, ``vun``
        (fractions in [0, 1]).
    """
    unknown = [name for name in protocols if name not in _PROTOCOLS]
    if unknown:
        raise GeogenError(f"unknown MMD protocol(s) {unknown}; choose from {sorted(_PROTOCOLS)}")
    mmds = tuple(mmd for name in protocols for mmd in _PROTOCOLS[name])
    results = graph_mmds(samples, reference, mmds)
    is_valid = VALIDITY_TESTS.get(dataset)
    if train is not None or is_valid is not None:
        results.update(vun_metrics(samples, train, is_valid))
    return results
