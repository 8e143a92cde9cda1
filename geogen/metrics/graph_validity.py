"""Validity tests and V.U.N. (valid, unique, novel) for the planar and SBM benchmarks.

* Planar (SPECTRE/DiGress): a graph is valid when it is connected and planar
  (``nx.check_planarity``).
* SBM (SPECTRE's ``is_sbm_graph``): fit a block partition, reject it (strict mode) unless it has
  2-5 blocks of 20-40 nodes, estimate the intra-block and inter-block edge probabilities, and
  run a Wald test of each estimate against the generating values (0.3 / 0.005); valid when the
  mean p-value exceeds 0.9. **Difference from SPECTRE:** SPECTRE fits the partition with
  graph-tool's ``minimize_blockmodel_dl`` plus 1,000 merge-split MCMC sweeps; graph-tool is not
  pip-installable, so here the partition minimises a BIC-penalised SBM likelihood, starting from
  Louvain and refined by block merges and node moves (:mod:`geogen.metrics.graph_sbm_fit`). The
  estimator and the test statistic after the fit are SPECTRE's. Partitions can differ from
  graph-tool's on borderline graphs, so ``valid`` on SBM is close to, not identical with,
  SPECTRE's numbers.
* V.U.N. as SPECTRE's ``eval_fraction_unique_non_isomorphic_valid``: *unique* = share of samples
  not isomorphic to an earlier sample; *novel* = share of samples not isomorphic to any
  training graph; *vun* = share of samples that are unique, novel and valid.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np

__all__ = ["is_planar_graph", "SBMValidity", "vun_metrics", "VALIDITY_TESTS"]


def is_planar_graph(graph: nx.Graph) -> bool:
    """Connected and planar (SPECTRE's planar validity)."""
    return graph.number_of_nodes() > 0 and nx.is_connected(graph) and nx.check_planarity(graph)[0]


@dataclass(frozen=True)
class SBMValidity:
    """Wald test of a fitted block model against SPECTRE's SBM parameters (see module doc).

    Args:
        p_intra, p_inter: generating edge probabilities.
        min_blocks, max_blocks, min_size, max_size: the strict-mode layout limits.
        restarts: Louvain runs (seeds ``0..restarts-1``) tried as the fit's starting point.
        threshold: valid when the mean p-value exceeds this.
    """

    p_intra: float = 0.3
    p_inter: float = 0.005
    min_blocks: int = 2
    max_blocks: int = 5
    min_size: int = 20
    max_size: int = 40
    restarts: int = 3
    threshold: float = 0.9

    def partition(self, graph: nx.Graph) -> list[set]:
        """The fitted blocks (:func:`geogen.metrics.graph_sbm_fit.fit_sbm_blocks`)."""
        from geogen.metrics.graph_sbm_fit import fit_sbm_blocks

        return fit_sbm_blocks(graph, restarts=self.restarts)

    def p_value(self, graph: nx.Graph, blocks: list[set]) -> float:
        """Mean Wald-test p-value of the block edge probabilities (SPECTRE's estimator)."""
        from scipy.stats import chi2

        label = {v: b for b, block in enumerate(blocks) for v in block}
        sizes = np.array([len(block) for block in blocks], dtype=np.float64)  # [K]
        counts = np.zeros((len(blocks), len(blocks)))  # [K, K] edges between blocks
        for u, v in graph.edges():
            counts[label[u], label[v]] += 1
            counts[label[v], label[u]] += 1
        # SPECTRE: diagonal entries count each intra-block edge twice, over n (n - 1) pairs.
        est_intra = np.diagonal(counts) / (sizes * (sizes - 1) + 1e-6)
        est_inter = counts / (np.outer(sizes, sizes) + 1e-6)
        w_intra = (est_intra - self.p_intra) ** 2 / (est_intra * (1 - est_intra) + 1e-6)
        w = (est_inter - self.p_inter) ** 2 / (est_inter * (1 - est_inter) + 1e-6)
        np.fill_diagonal(w, w_intra)
        return float((1 - chi2.cdf(np.abs(w), 1)).mean())

    def __call__(self, graph: nx.Graph) -> bool:
        if graph.number_of_edges() == 0:
            return False
        blocks = self.partition(graph)
        sizes = np.array([len(block) for block in blocks])
        if not (self.min_blocks <= len(blocks) <= self.max_blocks):
            return False
        if (sizes < self.min_size).any() or (sizes > self.max_size).any():
            return False
        return self.p_value(graph, blocks) > self.threshold


VALIDITY_TESTS = {"planar": is_planar_graph, "sbm": SBMValidity()}


def _isomorphic_to_any(graph: nx.Graph, graph_hash: str, buckets: dict[str, list[nx.Graph]]) -> bool:
    return any(nx.is_isomorphic(graph, other) for other in buckets.get(graph_hash, ()))


def _wl_hash(graph: nx.Graph) -> str:
    # Isomorphic graphs share the hash, so exact tests are needed only inside one bucket.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # networkx 3.5 notes a hash change
        return nx.weisfeiler_lehman_graph_hash(graph, iterations=3)


def vun_metrics(samples: list[nx.Graph], train: list[nx.Graph] | None = None,
                is_valid=None) -> dict[str, float]:
    """Fractions of unique, novel, valid and valid-unique-novel samples.

    Args:
        samples: generated graphs.
        train: training graphs (novelty); None skips ``novel`` and ``vun``.
        is_valid: ``graph -> bool``; None skips ``valid`` and ``vun``.

    Returns:
        A subset of ``{"valid", "unique", "novel", "unique_novel", "vun"}``, each in [0, 1].
    """
    total = max(len(samples), 1)
    seen: dict[str, list[nx.Graph]] = {}
    train_buckets: dict[str, list[nx.Graph]] = {}
    for graph in train or ():
        train_buckets.setdefault(_wl_hash(graph), []).append(graph)
    unique = novel = unique_novel = valid = vun = 0
    for graph in samples:
        key = _wl_hash(graph)
        is_unique = not _isomorphic_to_any(graph, key, seen)
        if is_unique:
            seen.setdefault(key, []).append(graph)
        is_novel = not _isomorphic_to_any(graph, key, train_buckets)
        ok = bool(is_valid(graph)) if is_valid is not None else False
        unique += is_unique
        novel += is_novel
        unique_novel += is_unique and is_novel
        valid += ok
        vun += is_unique and is_novel and ok
    out = {"unique": unique / total}
    if train is not None:
        out.update(novel=novel / total, unique_novel=unique_novel / total)
    if is_valid is not None:
        out["valid"] = valid / total
        if train is not None:
            out["vun"] = vun / total
    return out
