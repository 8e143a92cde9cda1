"""Orbit counts against brute-force enumeration of connected induced 2-4-node subgraphs."""

import itertools

import networkx as nx
import numpy as np

from geogen.metrics.graph_orbits import orbit_counts


def _orbit_of(node, sub: nx.Graph) -> int:
    """ORCA's orbit of ``node`` in the connected induced subgraph ``sub``."""
    degree, size, edges = sub.degree(node), sub.number_of_nodes(), sub.number_of_edges()
    degrees = sorted(d for _, d in sub.degree())
    if size == 2:
        return 0
    if size == 3:
        return 3 if edges == 3 else (1 if degree == 1 else 2)
    if edges == 3:
        if degrees == [1, 1, 1, 3]:
            return 6 if degree == 1 else 7
        return 4 if degree == 1 else 5
    if edges == 4:
        return 8 if degrees == [2, 2, 2, 2] else {1: 9, 2: 10, 3: 11}[degree]
    if edges == 5:
        return 12 if degree == 2 else 13
    return 14


def brute_force_orbits(graph: nx.Graph) -> np.ndarray:
    index = {v: i for i, v in enumerate(graph.nodes())}
    counts = np.zeros((len(index), 15), dtype=np.int64)
    for size in (2, 3, 4):
        for nodes in itertools.combinations(graph.nodes(), size):
            sub = graph.subgraph(nodes)
            if nx.is_connected(sub):
                for v in nodes:
                    counts[index[v], _orbit_of(v, sub)] += 1
    return counts


def test_orbits_match_brute_force_on_random_graphs():
    rng = np.random.default_rng(0)
    for _ in range(60):
        n = int(rng.integers(4, 12))
        graph = nx.gnp_random_graph(n, float(rng.uniform(0.1, 0.9)), seed=int(rng.integers(1 << 30)))
        assert np.array_equal(orbit_counts(graph), brute_force_orbits(graph))


def test_orbits_of_named_graphlets():
    k4 = orbit_counts(nx.complete_graph(4))
    assert k4[:, 14].tolist() == [1] * 4 and k4[:, 3].tolist() == [3] * 4
    assert k4[:, 4:14].sum() == 0
    paw = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])
    assert orbit_counts(paw)[:, 9:12].tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
    star = orbit_counts(nx.star_graph(3))
    assert star[0, 7] == 1 and star[1:, 6].tolist() == [1, 1, 1]
    # Relabelled nodes and isolated nodes do not matter.
    graph = nx.relabel_nodes(nx.petersen_graph(), {i: f"v{i}" for i in range(10)})
    graph.add_node("lonely")
    counts = orbit_counts(graph)
    assert counts[-1].sum() == 0
    assert np.array_equal(counts[:-1], brute_force_orbits(nx.petersen_graph()))
