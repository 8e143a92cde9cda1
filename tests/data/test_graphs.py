"""Generic-graph datasets: sizes, GDSS/SPECTRE splits, generators, processed cache."""

import pickle
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import torch

from geogen.data.graph_generators import planar_graphs, sbm_graphs
from geogen.data.graph_splits import GDSSSplit, SpectreSplit
from geogen.data.graphs import GRAPH_DATASETS, graph_dataset_info, load_graphs
from geogen.errors import GeogenError

GDSS_SIZES = {"community_small": (100, 20), "ego_small": (200, 17), "ENZYMES": (587, 125),
              "grid": (100, 361)}


@pytest.mark.parametrize("name", sorted(GDSS_SIZES))
def test_gdss_sets_sizes_and_split(name, mirror, tmp_path):
    info = graph_dataset_info(name, root=tmp_path)
    num, max_nodes = GDSS_SIZES[name]
    assert info["num_graphs"] == num and info["max_nodes"] == max_nodes
    test_size = int(0.2 * num)
    assert info["splits"] == {"train": num - test_size, "val": 0, "test": test_size}
    # GDSS: test = the first 20 % of the pickled list, unshuffled; same node order.
    with open(mirror / "graphs" / "gdss" / f"{name}.pkl", "rb") as handle:
        raw = pickle.load(handle)
    test, train = load_graphs(name, "test", root=tmp_path), load_graphs(name, "train", root=tmp_path)
    for ours, theirs in [(test[0], raw[0]), (test[-1], raw[test_size - 1]), (train[0], raw[test_size])]:
        assert np.array_equal(nx.to_numpy_array(ours), nx.to_numpy_array(theirs))
    assert info["max_degree"] + 1 <= info["default_max_feat_num"]


def test_spectre_split_equals_random_split():
    from torch.utils.data import random_split

    parts = random_split(range(100), [64, 16, 20], generator=torch.Generator().manual_seed(1234))
    ours = SpectreSplit().indices(100)
    for split, part in zip(("train", "val", "test"), parts):
        assert ours[split].tolist() == list(part.indices)
    assert GDSSSplit().indices(587)["test"].tolist() == list(range(117))


def test_spectre_community(mirror, tmp_path):
    graphs = load_graphs("spectre_community", root=tmp_path)
    assert len(graphs) == 100 and all(12 <= g.number_of_nodes() <= 20 for g in graphs)
    sizes = {s: len(load_graphs("spectre_community", s, root=tmp_path)) for s in ("train", "val", "test")}
    assert sizes == {"train": 64, "val": 16, "test": 20}


def test_planar_generator_is_deterministic_and_planar():
    first, second = planar_graphs(num_graphs=5, seed=3), planar_graphs(num_graphs=5, seed=3)
    assert all(nx.utils.graphs_equal(a, b) for a, b in zip(first, second))
    assert all(g.number_of_nodes() == 64 and nx.is_connected(g) and nx.check_planarity(g)[0]
               for g in first)
    assert not nx.utils.graphs_equal(first[0], planar_graphs(num_graphs=1, seed=4)[0])


def test_sbm_generator_layout():
    graphs = sbm_graphs(num_graphs=6, seed=1)
    again = sbm_graphs(num_graphs=6, seed=1)
    assert all(nx.utils.graphs_equal(a, b) for a, b in zip(graphs, again))
    for graph in graphs:
        blocks = np.bincount([b for _, b in graph.nodes(data="block")])
        assert 2 <= len(blocks) <= 5 and blocks.min() >= 20 and blocks.max() <= 40


def test_processed_cache_is_reused_and_rebuilt_when_stale(tmp_path):
    load_graphs("planar", root=tmp_path)
    path = tmp_path / "planar" / "processed" / "graphs.pkl"
    stamp = path.stat().st_mtime_ns
    assert len(load_graphs("planar", "test", root=tmp_path)) == 40
    assert path.stat().st_mtime_ns == stamp
    with open(path, "rb") as handle:
        cached = pickle.load(handle)
    cached["recipe"] = "an older recipe"
    with open(path, "wb") as handle:
        pickle.dump(cached, handle)
    load_graphs("planar", root=tmp_path)
    with open(path, "rb") as handle:
        assert pickle.load(handle)["recipe"] != "an older recipe"


def test_errors(tmp_path):
    assert set(GRAPH_DATASETS) >= {"community_small", "ego_small", "ENZYMES", "grid",
                                   "spectre_community", "planar", "sbm"}
    with pytest.raises(GeogenError, match="unknown graph dataset"):
        load_graphs("nope")
    with pytest.raises(GeogenError, match="unknown split"):
        load_graphs("planar", "dev", root=tmp_path)


def test_parallel_jobs_write_the_cache_through_temporary_files_of_their_own(tmp_path, monkeypatch):
    # Two jobs building the same cache once shared one `graphs.tmp`: the second rename failed.
    import geogen.data.graphs as graphs_module

    names, dump = [], pickle.dump
    monkeypatch.setattr(graphs_module.pickle, "dump",
                        lambda obj, handle, **kw: (names.append(handle.name), dump(obj, handle, **kw)))
    for root in (tmp_path / "a", tmp_path / "b"):
        load_graphs("planar", root=root)
    assert len(names) == 2
    assert Path(names[0]).name != Path(names[1]).name
    assert Path(names[0]).parent.name == "processed"
    assert not list((tmp_path / "a" / "planar" / "processed").glob("*.tmp"))
