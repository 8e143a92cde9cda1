"""Generic-graph benchmarks: community_small, ego_small, ENZYMES, grid (GDSS), SPECTRE community,
planar and SBM.

``load_graphs(name, split)`` returns fresh ``networkx`` graphs with nodes ``0..n-1`` in the
upstream node order (so dense adjacencies match GDSS's ``graphs_to_tensor``). Raw files come from
the mirror or the upstream URL (:mod:`geogen.data.download`); planar and SBM are generated
with fixed seeds (:mod:`geogen.data.graph_generators`). The processed graphs are cached in
``<data_root>/<name>/processed/graphs.pkl`` together with a description of how they were made,
so a changed recipe rebuilds the cache instead of reusing a stale one.

Splits (:mod:`geogen.data.graph_splits`): the GDSS sets use GDSS's rule (test = first 20 % of
the pickled list, unshuffled; no validation set); SPECTRE community, planar and SBM use
SPECTRE's seeded ``random_split`` (train / val / test = 64 / 16 / 20 % of the graphs).
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import networkx as nx
import numpy as np

from geogen.data.download import RemoteFile, fetch
from geogen.data.graph_splits import SPLIT_NAMES, GDSSSplit, SpectreSplit
from geogen.errors import GeogenError
from geogen.io.atomic import atomic_output
from geogen.paths import data_root

__all__ = ["GRAPH_DATASETS", "load_graphs", "graph_dataset_info", "GraphDatasetSpec"]

_GDSS_URL = "https://raw.githubusercontent.com/harryjo97/GDSS/master/data/{}.pkl"
_SPECTRE_URL = "https://raw.githubusercontent.com/KarolisMart/SPECTRE/main/data/{}"


@dataclass(frozen=True)
class GraphDatasetSpec:
    """How one benchmark is built, split and encoded.

    Args:
        name: the dataset's name.
        build: ``raw_dir -> list[nx.Graph]`` (reads or generates the graphs).
        split: a split rule with ``indices(n)`` and ``describe()``.
        recipe: a string that changes whenever ``build`` would give other graphs.
        max_nodes: default padded node count (GDSS's ``max_node_num``); None = the largest graph.
        max_feat_num: default one-hot degree classes (GDSS's ``max_feat_num``); None = the
            largest degree + 1.
        source: where the graphs come from, for ``graph_dataset_info``.
    """

    name: str
    build: Callable[[Path], list[nx.Graph]]
    split: object
    recipe: str
    max_nodes: int | None
    max_feat_num: int | None
    source: str = field(default="")


def _gdss_pickle(name: str, sha256: str) -> Callable[[Path], list[nx.Graph]]:
    source = RemoteFile(name=f"{name}.pkl", url=_GDSS_URL.format(name), sha256=sha256,
                        mirror_path=f"graphs/gdss/{name}.pkl")

    def build(raw_dir: Path) -> list[nx.Graph]:
        with open(fetch(source, raw_dir), "rb") as handle:
            return pickle.load(handle)

    return build


def _spectre_file(filename: str, sha256: str) -> Callable[[Path], list[nx.Graph]]:
    source = RemoteFile(name=filename, url=_SPECTRE_URL.format(filename), sha256=sha256,
                        mirror_path=f"graphs/spectre/{filename}")

    def build(raw_dir: Path) -> list[nx.Graph]:
        import torch

        # SPECTRE's file: [adjs, eigvals, eigvecs, n_nodes, max_eigval, min_eigval, same_sample, n_max]
        adjs = torch.load(fetch(source, raw_dir), weights_only=True)[0]
        return [nx.from_numpy_array(adj.numpy()) for adj in adjs]

    return build


def _generated(kind: str) -> Callable[[Path], list[nx.Graph]]:
    def build(raw_dir: Path) -> list[nx.Graph]:
        from geogen.data import graph_generators

        return getattr(graph_generators, f"{kind}_graphs")(num_graphs=200, seed=0)

    return build


_SPECS = {
    "community_small": GraphDatasetSpec(
        "community_small", _gdss_pickle(
            "community_small", "ee0390de8ca9855e40b3a81cf0a84bfd0114a9a42ace369eb08a925e4d988157"),
        GDSSSplit(), "gdss-pickle-v1", 20, 10, _GDSS_URL.format("community_small")),
    "ego_small": GraphDatasetSpec(
        "ego_small", _gdss_pickle(
            "ego_small", "eb1af8c3094929748a67b75c4f33ad364c1361d711c0fe14fa8c4d1681918dba"),
        GDSSSplit(), "gdss-pickle-v1", 18, 17, _GDSS_URL.format("ego_small")),
    "ENZYMES": GraphDatasetSpec(
        "ENZYMES", _gdss_pickle(
            "ENZYMES", "d1fb37bd6322be1e7ee5e324672003b2b24b9b2e496d047a42e8f5a404cde110"),
        GDSSSplit(), "gdss-pickle-v1", 125, 10, _GDSS_URL.format("ENZYMES")),
    "grid": GraphDatasetSpec(
        "grid", _gdss_pickle(
            "grid", "1c533398435301faaa1282993e1738069cafcc5e7662b284a3dba23cee680104"),
        GDSSSplit(), "gdss-pickle-v1", 361, 5, _GDSS_URL.format("grid")),
    "spectre_community": GraphDatasetSpec(
        "spectre_community", _spectre_file(
            "community_12_21_100.pt", "cf4407da67a29eb4fdf4c337b7b7ff30bc56e97a3849ff4e98b45ace0d599ee0"),
        SpectreSplit(), "spectre-pt-v1", None, None, _SPECTRE_URL.format("community_12_21_100.pt")),
    "planar": GraphDatasetSpec(
        "planar", _generated("planar"), SpectreSplit(),
        "planar: 200 Delaunay graphs of 64 uniform points, numpy default_rng(0)", None, None,
        "generated (geogen.data.graph_generators.planar_graphs, seed 0)"),
    "sbm": GraphDatasetSpec(
        "sbm", _generated("sbm"), SpectreSplit(),
        "sbm: 200 graphs, 2-5 blocks of 20-40 nodes, p 0.3/0.005, default_rng(0), nx seed 0+i",
        None, None, "generated (geogen.data.graph_generators.sbm_graphs, seed 0)"),
}

GRAPH_DATASETS: tuple[str, ...] = tuple(_SPECS)


def _spec(name: str) -> GraphDatasetSpec:
    if name not in _SPECS:
        raise GeogenError(f"unknown graph dataset {name!r}; choose from {', '.join(GRAPH_DATASETS)}")
    return _SPECS[name]


def _to_plain(graph: nx.Graph) -> tuple[int, np.ndarray]:
    """(n, edges [E, 2] int32) with nodes renumbered 0..n-1 in the graph's node order."""
    index = {node: i for i, node in enumerate(graph.nodes())}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges() if u != v],
                     dtype=np.int32).reshape(-1, 2)
    return graph.number_of_nodes(), edges


def _from_plain(num_nodes: int, edges: np.ndarray) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(num_nodes))
    graph.add_edges_from(map(tuple, edges.tolist()))
    return graph


def _processed(spec: GraphDatasetSpec, root: str | os.PathLike | None) -> dict:
    folder = data_root(root) / spec.name
    path = folder / "processed" / "graphs.pkl"
    if path.is_file():
        with open(path, "rb") as handle:
            cached = pickle.load(handle)
        if cached.get("recipe") == spec.recipe:
            return cached
    graphs = spec.build(folder / "raw")
    plain = [_to_plain(graph) for graph in graphs]
    cached = {"recipe": spec.recipe, "num_nodes": [n for n, _ in plain],
              "edges": [e for _, e in plain]}
    # a temporary file of its own: parallel jobs may build the same cache at once
    with atomic_output(path) as temp, open(temp, "wb") as handle:
        pickle.dump(cached, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return cached


def load_graphs(name: str, split: str = "all", root: str | os.PathLike | None = None) -> list[nx.Graph]:
    """The graphs of a benchmark split.

    Args:
        name: one of :data:`GRAPH_DATASETS`.
        split: ``"all"``, ``"train"``, ``"val"`` (SPECTRE-style sets only) or ``"test"``.
        root: dataset cache root (default :func:`geogen.paths.data_root`).

    Returns:
        New ``nx.Graph`` objects with nodes ``0..n-1``, in split order.
    """
    spec = _spec(name)
    if split not in ("all", *SPLIT_NAMES):
        raise GeogenError(f"unknown split {split!r}; choose from all, train, val, test")
    cached = _processed(spec, root)
    order = (np.arange(len(cached["num_nodes"])) if split == "all"
             else spec.split.indices(len(cached["num_nodes"]))[split])
    if split == "val" and len(order) == 0:
        raise GeogenError(f"{name} has no validation split ({spec.split.describe()})")
    return [_from_plain(cached["num_nodes"][i], cached["edges"][i]) for i in order]


def graph_dataset_info(name: str, root: str | os.PathLike | None = None) -> dict:
    """Sizes, node counts, degrees, splits and source of a benchmark.

    Returns:
        A JSON-serialisable dict: ``name, num_graphs, min_nodes, max_nodes, mean_nodes,
        mean_edges, max_degree, default_max_nodes, default_max_feat_num, splits (sizes),
        split_rule, source``.
    """
    spec = _spec(name)
    cached = _processed(spec, root)
    nodes = np.asarray(cached["num_nodes"])
    max_degree = 0
    for n, edges in zip(cached["num_nodes"], cached["edges"]):
        if len(edges):
            max_degree = max(max_degree, int(np.bincount(edges.ravel(), minlength=n).max()))
    splits = spec.split.indices(len(nodes))
    return {
        "name": name, "num_graphs": int(len(nodes)), "min_nodes": int(nodes.min()),
        "max_nodes": int(nodes.max()), "mean_nodes": float(nodes.mean()),
        "mean_edges": float(np.mean([len(e) for e in cached["edges"]])),
        "max_degree": max_degree,
        "default_max_nodes": spec.max_nodes if spec.max_nodes is not None else int(nodes.max()),
        "default_max_feat_num": (spec.max_feat_num if spec.max_feat_num is not None
                                 else max_degree + 1),
        "splits": {key: int(len(value)) for key, value in splits.items()},
        "split_rule": spec.split.describe(), "source": spec.source,
    }
