"""Per-graph descriptors compared by the graph MMDs (GraphRNN/GRAN/GDSS/SPECTRE conventions).

* :class:`DegreeHistogram` -- ``nx.degree_histogram`` (counts of degrees ``0..max``).
* :class:`ClusteringHistogram` -- histogram of local clustering coefficients, ``bins`` equal
  bins on ``[0, 1]``.
* :class:`OrbitMeans` -- the 15 orbit counts on 2-4 nodes summed over nodes and divided by
  the node count (GDSS/SPECTRE ``orbit_stats_all``), counted by :mod:`graph_orbits`.
* :class:`SpectralHistogram` -- eigenvalues of the normalised Laplacian, 200 bins on
  ``[-1e-5, 2]``, normalised to a pmf. Unlike GDSS/SPECTRE the eigenvalues are first clipped
  to ``[0, 2]``, so an eigenvalue of 2 that round-off pushes past the last edge still counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from geogen.metrics.graph_orbits import orbit_counts

__all__ = ["DegreeHistogram", "ClusteringHistogram", "OrbitMeans", "SpectralHistogram"]


@dataclass(frozen=True)
class DegreeHistogram:
    """Counts of each degree ``0..max degree`` (ragged; the kernels zero-pad)."""

    name: str = "degree"
    is_histogram: bool = True

    def compute(self, graph: nx.Graph) -> np.ndarray:
        return np.asarray(nx.degree_histogram(graph), dtype=np.float64)


@dataclass(frozen=True)
class ClusteringHistogram:
    """Histogram of local clustering coefficients in ``bins`` bins on ``[0, 1]``."""

    bins: int = 100
    name: str = "clustering"
    is_histogram: bool = True

    def compute(self, graph: nx.Graph) -> np.ndarray:
        values = list(nx.clustering(graph).values())
        hist, _ = np.histogram(values, bins=self.bins, range=(0.0, 1.0))
        return hist.astype(np.float64)


@dataclass(frozen=True)
class OrbitMeans:
    """Mean per-node count of each of the 15 graphlet orbits on 2-4 nodes."""

    name: str = "orbit"
    is_histogram: bool = False

    def compute(self, graph: nx.Graph) -> np.ndarray:
        return orbit_counts(graph).sum(axis=0) / graph.number_of_nodes()


@dataclass(frozen=True)
class SpectralHistogram:
    """PMF of the normalised-Laplacian eigenvalues in ``bins`` bins on ``[-1e-5, 2]``."""

    bins: int = 200
    name: str = "spectral"
    is_histogram: bool = True

    def compute(self, graph: nx.Graph) -> np.ndarray:
        from scipy.linalg import eigvalsh

        eigenvalues = eigvalsh(nx.normalized_laplacian_matrix(graph).toarray())
        # The spectrum lies in [0, 2]; bipartite graphs (grids) have an eigenvalue of exactly 2
        # that round-off puts just above or below the last bin edge depending on the LAPACK
        # build and thread count. GDSS/SPECTRE then drop it or not at random; clipping keeps it.
        eigenvalues = np.clip(eigenvalues, 0.0, 2.0)
        hist, _ = np.histogram(eigenvalues, bins=self.bins, range=(-1e-5, 2), density=False)
        return hist / hist.sum()
