"""Per-node counts of the 15 graphlet orbits on 2-4 nodes (ORCA's ``node 4`` output), in NumPy.

Orbit numbering as ORCA (Hocevar & Demsar, 2014): 0 edge; 1, 2 path on 3 nodes (end,
middle); 3 triangle; 4, 5 path on 4 nodes (end, inner); 6, 7 claw (leaf, centre); 8 4-cycle;
9, 10, 11 paw (tail, triangle node of degree 2, centre); 12, 13 diamond (degree-2 node, chord
end); 14 4-clique. Counts are of *induced* subgraphs, as ORCA's.

How: every orbit's *non-induced* count (copies of the graphlet as a subgraph, not necessarily
induced) has a closed form in the adjacency ``A``, its square ``A2`` (common neighbours),
the degrees ``d`` and the per-node triangle counts. Each non-induced count is a fixed
combination of induced counts of the same and denser graphlets (e.g. a 4-cycle contains 4
paths, in two of which a given node is an end), so the induced counts follow by solving that
triangular system from the 4-clique down. 4-cliques per node come from, for each edge, the
number of edges among the two endpoints' common neighbours.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["orbit_counts", "adjacency_orbit_counts", "NUM_ORBITS"]

NUM_ORBITS = 15


def _choose2(values: np.ndarray) -> np.ndarray:
    return values * (values - 1) / 2


def _k4_per_node(adj: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """``[n]`` number of 4-cliques containing each node."""
    rows, cols = np.nonzero(np.triu(adj, k=1))
    per_edge = np.empty(len(rows))
    for start in range(0, len(rows), chunk):
        r, c = rows[start:start + chunk], cols[start:start + chunk]
        common = adj[r] * adj[c]  # [m, n] common neighbours of each edge's endpoints
        per_edge[start:start + chunk] = ((common @ adj) * common).sum(axis=1) / 2
    # Each 4-clique through a node contains 3 of that node's edges.
    totals = np.bincount(rows, per_edge, minlength=len(adj)) + np.bincount(
        cols, per_edge, minlength=len(adj))
    return totals / 3


def adjacency_orbit_counts(adj: np.ndarray) -> np.ndarray:
    """Orbit counts of a graph given by a dense 0/1 adjacency matrix.

    Args:
        adj: ``[n, n]`` symmetric 0/1 matrix (the diagonal is ignored).

    Returns:
        ``[n, 15]`` int64 induced orbit counts per node.
    """
    a = np.array(adj, dtype=np.float64)
    np.fill_diagonal(a, 0.0)
    d = a.sum(axis=1)  # [n]
    a2 = a @ a  # [n, n] common neighbours
    edge_tri = a * a2  # [n, n] triangles through each edge
    tri = edge_tri.sum(axis=1) / 2  # [n]
    a_dm1 = a @ (d - 1)  # [n] sum over neighbours of (deg - 1)

    o = np.zeros((len(a), NUM_ORBITS))
    o[:, 0] = d
    o[:, 1] = a_dm1 - 2 * tri
    o[:, 2] = _choose2(d) - tri
    o[:, 3] = tri
    o[:, 14] = _k4_per_node(a)

    pairs = _choose2(a2)
    np.fill_diagonal(pairs, 0.0)
    n13 = (a * pairs).sum(axis=1)  # chord ends: a neighbour and 2 common neighbours
    n12 = ((a @ (a * (a2 - 1))) * a).sum(axis=1) / 2  # two adjacent neighbours + 4th node
    n11 = tri * (d - 2)
    n10 = (edge_tri * (d - 2)[None, :]).sum(axis=1)
    n9 = a @ tri - 2 * tri
    n8 = pairs.sum(axis=1)
    n7 = d * (d - 1) * (d - 2) / 6
    n6 = a @ _choose2(d - 1)
    n5 = (d - 1) * a_dm1 - 2 * tri
    n4 = a @ a_dm1 - 2 * tri - d * (d - 1)

    o[:, 13] = n13 - 3 * o[:, 14]
    o[:, 12] = n12 - 3 * o[:, 14]
    o[:, 11] = n11 - 2 * o[:, 13] - 3 * o[:, 14]
    o[:, 10] = n10 - 2 * o[:, 12] - 2 * o[:, 13] - 6 * o[:, 14]
    o[:, 9] = n9 - 2 * o[:, 12] - 3 * o[:, 14]
    o[:, 8] = n8 - o[:, 12] - o[:, 13] - 3 * o[:, 14]
    o[:, 7] = n7 - o[:, 11] - o[:, 13] - o[:, 14]
    o[:, 6] = n6 - o[:, 9] - o[:, 10] - 2 * o[:, 12] - o[:, 13] - 3 * o[:, 14]
    o[:, 5] = (n5 - 2 * o[:, 8] - o[:, 10] - 2 * o[:, 11] - 2 * o[:, 12] - 4 * o[:, 13]
               - 6 * o[:, 14])
    o[:, 4] = (n4 - 2 * o[:, 8] - 2 * o[:, 9] - o[:, 10] - 4 * o[:, 12] - 2 * o[:, 13]
               - 6 * o[:, 14])
    return np.rint(o).astype(np.int64)


def orbit_counts(graph: nx.Graph) -> np.ndarray:
    """``[n, 15]`` induced orbit counts of each node of ``graph`` (in ``graph.nodes()`` order)."""
    return adjacency_orbit_counts(nx.to_numpy_array(graph, weight=None))
