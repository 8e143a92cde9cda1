"""Graph MMDs (GDSS and SPECTRE kernels), V.U.N. and validity tests."""

import math

import networkx as nx
import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from geogen.metrics.graph_kernels import GaussianEMD, mmd_squared
from geogen.metrics.graph_orbits import orbit_counts
from geogen.metrics.graph_validity import SBMValidity, is_planar_graph, vun_metrics
from geogen.metrics.graphs import evaluate_graphs

MMD_KEYS = {f"{stat}_mmd_{kernel}" for stat in ("degree", "clustering", "spectral")
            for kernel in ("gauss_emd", "gauss_tv")} | {"orbit_mmd_gauss", "orbit_mmd_gauss_tv"}


def _tiny_sets():
    samples = [nx.path_graph(4), nx.cycle_graph(5), nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])]
    reference = [nx.star_graph(3), nx.complete_graph(4), nx.path_graph(6)]
    return samples, reference


def _naive_mmd(xs, ys, kernel):
    """Plain double loops of the biased estimate, kernel(a, b) on raw per-graph vectors."""
    def mean(a_list, b_list):
        return sum(kernel(a, b) for a in a_list for b in b_list) / (len(a_list) * len(b_list))
    return mean(xs, xs) + mean(ys, ys) - 2 * mean(xs, ys)


def _emd_kernel(sigma, scaling):
    def kernel(a, b):
        emd = wasserstein_distance(np.arange(len(a)) / scaling, np.arange(len(b)) / scaling, a, b)
        return math.exp(-emd * emd / (2 * sigma * sigma))
    return kernel


def _tv_kernel(sigma):
    def kernel(a, b):
        width = max(len(a), len(b))
        a, b = np.pad(a, (0, width - len(a))), np.pad(b, (0, width - len(b)))
        tv = 0.5 * np.abs(a - b).sum()
        return math.exp(-tv * tv / (2 * sigma * sigma))
    return kernel


def test_gdss_and_spectre_kernels_match_a_naive_computation():
    samples, reference = _tiny_sets()
    ours = evaluate_graphs(samples, reference)
    assert set(ours) == MMD_KEYS

    def pmf(values):
        values = np.asarray(values, dtype=float)
        return values / values.sum()

    degree = [pmf(nx.degree_histogram(g)) for g in reference], [pmf(nx.degree_histogram(g)) for g in samples]
    clus = [[pmf(np.histogram(list(nx.clustering(g).values()), 100, (0, 1))[0]) for g in s]
            for s in (reference, samples)]
    spec = [[pmf(np.histogram(np.linalg.eigvalsh(nx.normalized_laplacian_matrix(g).toarray()),
                              200, (-1e-5, 2))[0]) for g in s] for s in (reference, samples)]
    orbit = [[orbit_counts(g).sum(0) / g.number_of_nodes() for g in s] for s in (reference, samples)]

    def gauss(a, b):
        return math.exp(-np.sum((a - b) ** 2) / (2 * 30.0 ** 2))

    expected = {
        "degree_mmd_gauss_emd": _naive_mmd(*degree, _emd_kernel(1.0, 1.0)),
        "clustering_mmd_gauss_emd": _naive_mmd(*clus, _emd_kernel(0.1, 100.0)),
        "spectral_mmd_gauss_emd": _naive_mmd(*spec, _emd_kernel(1.0, 1.0)),
        "orbit_mmd_gauss": _naive_mmd(*orbit, gauss),
        "degree_mmd_gauss_tv": _naive_mmd(*degree, _tv_kernel(1.0)),
        "clustering_mmd_gauss_tv": _naive_mmd(*clus, _tv_kernel(0.1)),
        "spectral_mmd_gauss_tv": _naive_mmd(*spec, _tv_kernel(1.0)),
        "orbit_mmd_gauss_tv": _naive_mmd(*orbit, _tv_kernel(30.0)),
    }
    for key, value in expected.items():
        # SPECTRE divides histograms by sum + 1e-6, hence the looser tolerance for *_tv.
        assert ours[key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    assert all(value > 1e-4 for value in ours.values())


def test_emd_kernel_by_hand():
    # pmfs (1, 0, 0) and (0, 0, 1): all mass moves 2 bins, EMD = 2 / scaling.
    x, y = np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 0.0, 1.0]])
    gram = GaussianEMD(sigma=0.5, distance_scaling=2.0).gram(x, y)
    assert gram[0, 0] == pytest.approx(math.exp(-1.0 / (2 * 0.25)))
    assert mmd_squared(x, y, GaussianEMD()) == pytest.approx(2 - 2 * math.exp(-2.0))


def test_mmd_zero_against_itself_and_large_against_other_family(mirror, tmp_path):
    from geogen.data.graphs import load_graphs

    community = load_graphs("community_small", "test", root=tmp_path)
    same = evaluate_graphs(community, community)
    assert all(abs(value) < 1e-12 for value in same.values())
    floor = evaluate_graphs(load_graphs("community_small", "train", root=tmp_path), community)
    trees = [nx.random_labeled_tree(int(g.number_of_nodes()), seed=i) for i, g in enumerate(community)]
    different = evaluate_graphs(trees, community)
    for key in MMD_KEYS:
        assert different[key] > 5 * floor[key] and different[key] > 0.05, key


def test_empty_samples_are_dropped_and_unknown_protocol_rejected():
    samples, reference = _tiny_sets()
    with_empty = evaluate_graphs(samples + [nx.Graph()], reference, protocols=("gdss",))
    assert with_empty == evaluate_graphs(samples, reference, protocols=("gdss",))
    from geogen.errors import GeogenError
    with pytest.raises(GeogenError):
        evaluate_graphs(samples, reference, protocols=("graphrnn",))


def test_vun_and_planar_validity():
    train = [nx.cycle_graph(n) for n in range(5, 9)]
    samples = [nx.cycle_graph(5), nx.path_graph(5), nx.path_graph(5), nx.complete_graph(5),
               nx.relabel_nodes(nx.path_graph(5), {0: 4, 4: 0})]
    result = vun_metrics(samples, train, is_planar_graph)
    assert result["unique"] == pytest.approx(3 / 5)  # C5, P5, K5
    assert result["novel"] == pytest.approx(4 / 5)  # only C5 is in train
    assert result["valid"] == pytest.approx(4 / 5)  # K5 is not planar
    assert result["vun"] == pytest.approx(1 / 5)  # the first P5
    assert not is_planar_graph(nx.Graph([(0, 1), (2, 3)]))  # disconnected


def test_evaluate_graphs_adds_validity_for_planar():
    from geogen.data.graph_generators import planar_graphs

    graphs = planar_graphs(num_graphs=6, seed=5)
    result = evaluate_graphs(graphs[3:], graphs[:3], dataset="planar", train=graphs[:3])
    assert result["valid"] == 1.0 and result["unique"] == 1.0 and result["vun"] == 1.0


def test_sbm_validity():
    from geogen.data.graph_generators import sbm_graphs

    test = SBMValidity()
    graphs = sbm_graphs(num_graphs=8, seed=11)
    for graph in graphs[:4]:  # the fit recovers the planted blocks
        planted = {}
        for node, block in graph.nodes(data="block"):
            planted.setdefault(block, set()).add(node)
        assert sorted(map(sorted, test.partition(graph))) == sorted(map(sorted, planted.values()))
    assert np.mean([test(g) for g in graphs]) >= 0.75
    assert not test(nx.gnp_random_graph(100, 0.1, seed=0))  # one dense blob, wrong block layout
    assert not test(nx.Graph())
