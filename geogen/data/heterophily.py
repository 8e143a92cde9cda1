"""Node-classification graphs with their 10 fixed splits: Geom-GCN, Platonov et al. and Planetoid sets.

Preprocessing follows Neural Sheaf Diffusion (twitter-research/neural-sheaf-diffusion,
``utils/heterophilic.py``): edges made undirected, self-loops removed, duplicates merged, node
features row-normalised (``T.NormalizeFeatures``) for the bag-of-words sets. Splits are the
10 Geom-GCN splits (48/32/20) or, for the Platonov sets, the 10 masks shipped in their files.

Raw files come from ``$GEOGEN_DATA_MIRROR`` when it holds them, else from the cache
``<data_root>/heterophily`` (downloaded from the upstream URL on first use).

Cornell exists in two upstream variants:

* ``cornell`` (canonical): the Platonov et al. file, with Cornell's own features and labels.
* ``cornell_geomgcn``: the Geom-GCN raw files that PyG's ``WebKB`` (and so NSD) reads; upstream
  ``out1_node_feature_label.txt`` of cornell is a byte-copy of texas's, so this variant pairs
  Texas' features and labels with Cornell's edges. It is kept to reproduce published numbers.
"""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from geogen.errors import GeogenError
from geogen.paths import data_root, mirror_root

__all__ = ["NodeDataset", "load_node_dataset", "available_node_datasets", "prepare_edge_index"]

_GEOM_GCN_URL = "https://raw.githubusercontent.com/graphdml-uiuc-jlu/geom-gcn/f1fc0d14b3b019c562737240d06ec83b07d16a8f"
_PLATONOV_URL = "https://github.com/yandex-research/heterophilous-graphs/raw/main/data"
_PLANETOID_URL = "https://github.com/kimiyoung/planetoid/raw/master/data"


@dataclass(frozen=True)
class NodeDataset:
    """One graph with node labels and a stack of fixed splits.

    Shapes:
        x: [N, F] float32 node features; y: [N] int64 labels; edge_index: [2, E] (undirected:
        both directions present, no self-loops, sorted); train_masks/val_masks/test_masks: [S, N] bool.
    """

    name: str
    x: Tensor
    y: Tensor
    edge_index: Tensor
    train_masks: Tensor
    val_masks: Tensor
    test_masks: Tensor

    @property
    def num_nodes(self) -> int:
        return int(self.x.size(0))

    @property
    def num_features(self) -> int:
        return int(self.x.size(1))

    @property
    def num_classes(self) -> int:
        return int(self.y.max().item()) + 1

    @property
    def num_splits(self) -> int:
        return int(self.train_masks.size(0))

    def to(self, device: torch.device | str) -> "NodeDataset":
        """A copy with every tensor on ``device``."""
        return replace(self, **{k: getattr(self, k).to(device) for k in
                                ("x", "y", "edge_index", "train_masks", "val_masks", "test_masks")})


def _fetch(relative: str, url: str, root: str | os.PathLike | None) -> Path:
    """Path of a raw file: the mirror's copy, else the cache's, else downloaded into the cache."""
    mirror = mirror_root()
    if mirror is not None and (mirror / relative).is_file():
        return mirror / relative
    cached = data_root(root) / relative
    if cached.is_file():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(cached.suffix + ".part")
    try:
        urllib.request.urlretrieve(url, partial)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise GeogenError(f"cannot fetch {relative} from {url} ({error}); set GEOGEN_DATA_MIRROR "
                          f"to a folder holding heterophily/ and planetoid/ or go online") from None
    partial.rename(cached)
    return cached


def prepare_edge_index(edges: Tensor, num_nodes: int) -> Tensor:
    """Undirected, self-loop-free, sorted, duplicate-free edge index (NSD's preprocessing).

    Args:
        edges: [2, E] int64, any direction, duplicates allowed.
    Returns:
        [2, E'] with both directions of every edge, ordered by (row, col).
    """
    both = torch.cat([edges, edges.flip(0)], dim=1)  # [2, 2E]
    both = both[:, both[0] != both[1]]
    key = torch.unique(both[0] * num_nodes + both[1])  # sorted, unique
    return torch.stack([key // num_nodes, key % num_nodes])


def _row_normalise(x: Tensor) -> Tensor:
    # Same as torch_geometric.transforms.NormalizeFeatures: rows sum to 1, all-zero rows stay zero.
    return x / x.sum(dim=1, keepdim=True).clamp(min=1.0e-12)


def _read_geom_gcn_features(path: Path) -> tuple[Tensor, Tensor]:
    lines = path.read_text().split("\n")[1:]
    rows = [line.split("\t") for line in lines if line.strip()]
    ids = np.array([int(r[0]) for r in rows])
    labels = np.array([int(r[2]) for r in rows])
    if "feature_amount" in path.read_text().split("\n", 1)[0]:  # film: sparse index lists
        width = max(int(v) for r in rows for v in r[1].split(",")) + 1
        feats = np.zeros((len(rows), width), dtype=np.float32)
        for i, r in enumerate(rows):
            feats[i, [int(v) for v in r[1].split(",")]] = 1.0
    else:
        feats = np.array([[float(v) for v in r[1].split(",")] for r in rows], dtype=np.float32)
    x = np.zeros_like(feats)
    y = np.zeros(len(rows), dtype=np.int64)
    x[ids], y[ids] = feats, labels
    return torch.from_numpy(x), torch.from_numpy(y)


def _read_geom_gcn_edges(path: Path) -> Tensor:
    data = np.loadtxt(path, skiprows=1, dtype=np.int64).reshape(-1, 2)
    return torch.from_numpy(data.T.copy())


def _geom_gcn_splits(name: str, root) -> tuple[Tensor, Tensor, Tensor]:
    masks = {"train_mask": [], "val_mask": [], "test_mask": []}
    for k in range(10):
        file = f"{name}_split_0.6_0.2_{k}.npz"
        with np.load(_fetch(f"heterophily/geom_gcn/splits/{file}", f"{_GEOM_GCN_URL}/splits/{file}", root)) as z:
            for key in masks:
                masks[key].append(torch.from_numpy(z[key].astype(bool)))
    return tuple(torch.stack(masks[key]) for key in ("train_mask", "val_mask", "test_mask"))


def _platonov_file(stem: str, root) -> dict[str, np.ndarray]:
    path = _fetch(f"heterophily/platonov/{stem}.npz", f"{_PLATONOV_URL}/{stem}.npz", root)
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


class _GeomGCN:
    """Features, labels and edges from the Geom-GCN raw files (texas, wisconsin, film, cornell)."""

    def __init__(self, name: str, folder: str | None = None) -> None:
        self.name, self.folder = name, folder or name

    def load(self, root) -> tuple[Tensor, Tensor, Tensor, tuple]:
        base = f"heterophily/geom_gcn/new_data/{self.folder}"
        url = f"{_GEOM_GCN_URL}/new_data/{self.folder}"
        x, y = _read_geom_gcn_features(_fetch(f"{base}/out1_node_feature_label.txt",
                                              f"{url}/out1_node_feature_label.txt", root))
        edges = _read_geom_gcn_edges(_fetch(f"{base}/out1_graph_edges.txt", f"{url}/out1_graph_edges.txt", root))
        return x, y, edges, _geom_gcn_splits(self.folder, root)


class _Wikipedia:
    """Chameleon/squirrel: Geom-GCN edges and splits, features and labels from the Platonov file."""

    def __init__(self, name: str) -> None:
        self.name = name

    def load(self, root) -> tuple[Tensor, Tensor, Tensor, tuple]:
        arrays = _platonov_file(self.name, root)
        base = f"heterophily/geom_gcn/new_data/{self.name}/out1_graph_edges.txt"
        edges = _read_geom_gcn_edges(_fetch(base, f"{_GEOM_GCN_URL}/new_data/{self.name}/out1_graph_edges.txt", root))
        return (torch.from_numpy(arrays["node_features"]), torch.from_numpy(arrays["node_labels"]),
                edges, _geom_gcn_splits(self.name, root))


class _Platonov:
    """A file of Platonov et al.: features, labels, edges and 10 masks in one npz."""

    def __init__(self, stem: str) -> None:
        self.stem = stem

    def load(self, root) -> tuple[Tensor, Tensor, Tensor, tuple]:
        a = _platonov_file(self.stem, root)
        masks = tuple(torch.from_numpy(a[k].astype(bool)) for k in ("train_masks", "val_masks", "test_masks"))
        return (torch.from_numpy(a["node_features"]), torch.from_numpy(a["node_labels"]),
                torch.from_numpy(a["edges"].T.copy()), masks)


class _Planetoid:
    """Cora/citeseer from the Planetoid raw files, with the 10 Geom-GCN splits."""

    def __init__(self, name: str) -> None:
        self.name = name

    def load(self, root) -> tuple[Tensor, Tensor, Tensor, tuple]:
        from torch_geometric.io import read_planetoid_data

        folder = None
        for suffix in ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index"):
            file = f"ind.{self.name}.{suffix}"
            folder = _fetch(f"planetoid/raw/{file}", f"{_PLANETOID_URL}/{file}", root).parent
        data = read_planetoid_data(str(folder), self.name)
        train, val, test = _geom_gcn_splits(self.name, root)
        # Citeseer has isolated test ids without features; Geom-GCN splits never use them.
        return data.x, data.y, data.edge_index, (train, val, test)


_SOURCES = {
    "texas": (_GeomGCN("texas"), True),
    "wisconsin": (_GeomGCN("wisconsin"), True),
    "film": (_GeomGCN("film"), True),
    "cornell": (_Platonov("cornell"), True),
    "cornell_geomgcn": (_GeomGCN("cornell_geomgcn", folder="cornell"), True),
    "chameleon": (_Wikipedia("chameleon"), True),
    "squirrel": (_Wikipedia("squirrel"), True),
    "chameleon_filtered": (_Platonov("chameleon_filtered"), True),
    "squirrel_filtered": (_Platonov("squirrel_filtered"), True),
    "minesweeper": (_Platonov("minesweeper"), False),
    "tolokers": (_Platonov("tolokers"), False),
    "cora": (_Planetoid("cora"), True),
    "citeseer": (_Planetoid("citeseer"), True),
}


def available_node_datasets() -> list[str]:
    """Names accepted by :func:`load_node_dataset`."""
    return sorted(_SOURCES)


def load_node_dataset(name: str, root: str | os.PathLike | None = None,
                      normalize_features: bool | None = None) -> NodeDataset:
    """Load a node-classification graph with its 10 splits, preprocessed as NSD does.

    Args:
        name: one of :func:`available_node_datasets`.
        root: cache root (default ``$GEOGEN_DATA`` or ``datasets/``).
        normalize_features: row-normalise features; default True for bag-of-words sets,
            False for minesweeper and tolokers (their features are not counts).
    Returns:
        a :class:`NodeDataset` with float32 features.
    """
    if name not in _SOURCES:
        raise GeogenError(f"unknown node dataset '{name}'; available: {', '.join(available_node_datasets())}")
    source, default_normalise = _SOURCES[name]
    x, y, edges, (train, val, test) = source.load(root)
    x = x.float()
    if default_normalise if normalize_features is None else normalize_features:
        x = _row_normalise(x)
    return NodeDataset(name=name, x=x, y=y.long(), edge_index=prepare_edge_index(edges.long(), x.size(0)),
                       train_masks=train, val_masks=val, test_masks=test)
