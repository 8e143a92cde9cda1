"""Fit a stochastic block model partition without graph-tool.

SPECTRE fits SBM partitions with graph-tool's ``minimize_blockmodel_dl`` (description-length
minimisation), which is not pip-installable. This fit minimises a comparable penalised
likelihood of the Bernoulli SBM: ``-log L + 0.5 * K(K+1)/2 * log(pairs) + n log K`` (a BIC
term for the block-pair probabilities plus the cost of writing down the labels). It starts from
the best-modularity Louvain partition, then alternates greedy merges of block pairs and sweeps
of single-node moves while the score improves.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["fit_sbm_blocks", "sbm_score"]


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def sbm_score(block_edges: np.ndarray, sizes: np.ndarray, num_nodes: int) -> np.ndarray:
    """Penalised negative log-likelihood of block layouts (lower is better).

    Args:
        block_edges: ``[..., K, K]`` symmetric edge counts, diagonal = 2 x intra-block edges
            (``M^T A M`` for a one-hot membership ``M``).
        sizes: ``[..., K]`` block sizes (empty blocks are ignored).
        num_nodes: ``n``.

    Returns:
        ``[...]`` scores.
    """
    pairs = sizes[..., :, None] * sizes[..., None, :]  # [..., K, K]
    diag = np.arange(sizes.shape[-1])
    pairs[..., diag, diag] = sizes * (sizes - 1) / 2
    edges = block_edges.astype(np.float64)
    edges[..., diag, diag] = np.diagonal(block_edges, axis1=-2, axis2=-1) / 2
    upper = np.triu(np.ones(edges.shape[-2:], dtype=bool))
    prob = np.divide(edges, pairs, out=np.zeros_like(edges), where=pairs > 0)
    ll = _xlogy(edges, prob) + _xlogy(pairs - edges, 1 - prob)  # [..., K, K]
    log_lik = np.where(upper, ll, 0.0).sum(axis=(-2, -1))
    blocks = (sizes > 0).sum(axis=-1)
    total_pairs = num_nodes * (num_nodes - 1) / 2
    penalty = 0.25 * blocks * (blocks + 1) * np.log(total_pairs) + num_nodes * np.log(blocks)
    return -log_lik + penalty


def _layout(adj: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    member = np.eye(k)[labels]  # [n, K]
    return member.T @ adj @ member, member.sum(axis=0)


def _merge_once(adj: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    k = labels.max() + 1
    block_edges, sizes = _layout(adj, labels, k)
    best, best_labels = sbm_score(block_edges, sizes, len(adj)), None
    for a in range(k):
        for b in range(a + 1, k):
            merged = np.where(labels == b, a, labels)
            merged = np.unique(merged, return_inverse=True)[1]
            score = sbm_score(*_layout(adj, merged, k - 1), len(adj))
            if score < best - 1e-9:
                best, best_labels = score, merged
    return best_labels


def _move_sweep(adj: np.ndarray, labels: np.ndarray) -> bool:
    """One sweep of best single-node moves (in place); True if any node moved."""
    k = labels.max() + 1
    block_edges, sizes = _layout(adj, labels, k)
    eye = np.eye(k)
    moved = False
    for v in range(len(adj)):
        a = labels[v]
        links = adj[v] @ eye[labels]  # [K] edges from v to each block
        # Moving v from a to b: E - e_a k^T - k e_a^T + e_b k^T + k e_b^T, sizes - e_a + e_b.
        delta = (eye[:, :, None] * links[None, None, :] + links[None, :, None] * eye[:, None, :]
                 - np.outer(eye[a], links) - np.outer(links, eye[a]))  # [K, K, K]
        candidates = block_edges[None] + delta
        candidate_sizes = sizes[None] + eye - eye[a]  # [K, K]
        scores = sbm_score(candidates, candidate_sizes, len(adj))
        b = int(np.argmin(scores))
        if b != a and scores[b] < scores[a] - 1e-9:
            block_edges, sizes = candidates[b], candidate_sizes[b]
            labels[v] = b
            moved = True
    return moved


def fit_sbm_blocks(graph: nx.Graph, restarts: int = 3, max_rounds: int = 10) -> list[set]:
    """Blocks of ``graph`` under the penalised SBM likelihood (see module doc).

    Args:
        graph: an undirected graph.
        restarts: Louvain seeds tried for the starting partition (best modularity kept).
        max_rounds: limit on merge / move rounds.

    Returns:
        The blocks as sets of nodes.
    """
    nodes = list(graph.nodes())
    adj = nx.to_numpy_array(graph, nodelist=nodes, weight=None)
    start = max((nx.community.louvain_communities(graph, seed=s) for s in range(restarts)),
                key=lambda blocks: nx.community.modularity(graph, blocks))
    index = {v: i for i, v in enumerate(nodes)}
    labels = np.zeros(len(nodes), dtype=np.int64)
    for b, block in enumerate(start):
        labels[[index[v] for v in block]] = b
    for _ in range(max_rounds):
        merged = _merge_once(adj, labels)
        if merged is not None:
            labels = merged
        moved = _move_sweep(adj, labels)
        labels = np.unique(labels, return_inverse=True)[1]
        if merged is None and not moved:
            break
    return [set(np.asarray(nodes, dtype=object)[labels == b]) for b in range(labels.max() + 1)]
