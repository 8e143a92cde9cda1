"""Deterministic generators of the synthetic SPECTRE benchmarks: planar and SBM graphs.

SPECTRE (Martinkus et al., 2022) generates both sets with unseeded global NumPy state, so its
files cannot be regenerated bit for bit; these generators follow the same recipes with an
explicit seed, so every install builds the same 200 graphs.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["planar_graphs", "sbm_graphs"]


def planar_graphs(num_graphs: int = 200, num_nodes: int = 64, seed: int = 0) -> list[nx.Graph]:
    """Delaunay triangulations of ``num_nodes`` points drawn uniformly in the unit square.

    Args:
        num_graphs: how many graphs.
        num_nodes: points (= nodes) per graph.
        seed: seed of the NumPy generator that draws all points.

    Returns:
        ``num_graphs`` connected planar graphs with nodes ``0..num_nodes-1``.
    """
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    graphs = []
    for _ in range(num_graphs):
        points = rng.random((num_nodes, 2))  # [n, 2]
        simplices = Delaunay(points).simplices  # [T, 3]
        edges = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]])
        graph = nx.Graph()
        graph.add_nodes_from(range(num_nodes))
        graph.add_edges_from(map(tuple, edges.tolist()))
        graphs.append(graph)
    return graphs


def sbm_graphs(num_graphs: int = 200, min_communities: int = 2, max_communities: int = 5,
               min_size: int = 20, max_size: int = 40, p_intra: float = 0.3,
               p_inter: float = 0.005, seed: int = 0) -> list[nx.Graph]:
    """Stochastic block model graphs as in SPECTRE.

    Args:
        num_graphs: how many graphs.
        min_communities, max_communities: inclusive range of the number of blocks.
        min_size, max_size: inclusive range of each block's size.
        p_intra: edge probability inside a block.
        p_inter: edge probability between two blocks.
        seed: seed for the block layout; graph ``i`` draws its edges with seed ``seed + i``.

    Returns:
        ``num_graphs`` graphs; node ``v`` carries its block in ``graph.nodes[v]["block"]``.
    """
    rng = np.random.default_rng(seed)
    graphs = []
    for index in range(num_graphs):
        num_blocks = int(rng.integers(min_communities, max_communities + 1))
        sizes = rng.integers(min_size, max_size + 1, size=num_blocks).tolist()
        probs = np.full((num_blocks, num_blocks), p_inter)
        np.fill_diagonal(probs, p_intra)
        graph = nx.stochastic_block_model(sizes, probs.tolist(), seed=seed + index)
        plain = nx.Graph()
        plain.add_nodes_from((v, {"block": data["block"]}) for v, data in graph.nodes(data=True))
        plain.add_edges_from(graph.edges())
        graphs.append(plain)
    return graphs
