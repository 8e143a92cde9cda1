"""Heterophily/Planetoid node datasets read from the mirror, preprocessed as NSD does."""

import pytest
import torch

from geogen.data.heterophily import available_node_datasets, load_node_dataset, prepare_edge_index
from geogen.errors import GeogenError


def test_prepare_edge_index_symmetrises_and_drops_loops():
    edges = torch.tensor([[0, 1, 2, 2, 1], [1, 0, 2, 3, 0]])
    assert prepare_edge_index(edges, 4).tolist() == [[0, 1, 2, 3], [1, 0, 3, 2]]


@pytest.mark.parametrize("name,nodes,features,classes", [
    ("texas", 183, 1703, 5), ("wisconsin", 251, 1703, 5), ("film", 7600, 932, 5), ("chameleon", 2277, 2325, 5),
])
def test_geom_gcn_sets(mirror, name, nodes, features, classes):
    data = load_node_dataset(name)
    assert (data.num_nodes, data.num_features, data.num_classes, data.num_splits) == (nodes, features, classes, 10)
    row, col = data.edge_index
    assert not bool((row == col).any())
    assert set(zip(row.tolist(), col.tolist())) == set(zip(col.tolist(), row.tolist()))
    sums = data.x.sum(1)
    assert torch.allclose(sums[sums > 0], torch.ones_like(sums[sums > 0]), atol=1e-5)
    # Geom-GCN splits partition the nodes 48/32/20.
    total = data.train_masks.int() + data.val_masks.int() + data.test_masks.int()
    assert bool((total == 1).all())


def test_cornell_variants_differ_and_geomgcn_copies_texas(mirror):
    canonical, geomgcn, texas = (load_node_dataset(n) for n in ("cornell", "cornell_geomgcn", "texas"))
    assert torch.equal(geomgcn.x, texas.x) and torch.equal(geomgcn.y, texas.y)
    assert not torch.equal(canonical.y, texas.y)
    assert torch.equal(canonical.train_masks, geomgcn.train_masks)


def test_platonov_sets_load(mirror):
    data = load_node_dataset("squirrel_filtered")
    assert data.num_nodes == 2223 and data.num_splits == 10
    assert load_node_dataset("minesweeper").num_classes == 2


def test_unknown_dataset_is_a_one_line_error():
    with pytest.raises(GeogenError, match="available"):
        load_node_dataset("nope")
    assert "texas" in available_node_datasets()
