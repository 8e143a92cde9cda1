"""GraphDataModule batches and the dense <-> networkx conversions."""

import networkx as nx
import torch

from geogen.data.graph_convert import dense_to_graphs, graphs_to_dense
from geogen.data.graph_datamodule import GraphDataModule
from geogen.data.states import DenseGraph


def test_community_small_batches(mirror, tmp_path):
    dm = GraphDataModule(dataset="community_small", batch_size=16, root=tmp_path)
    assert (dm.max_nodes, dm.max_feat_num) == (20, 10)
    batch = next(iter(dm.train_dataloader()))
    assert isinstance(batch, DenseGraph)
    assert batch.x.shape == (16, 20, 10) and batch.adj.shape == (16, 20, 20)
    assert torch.equal(batch.adj, batch.adj.transpose(1, 2))
    assert set(batch.adj.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(batch.adj.diagonal(dim1=1, dim2=2), torch.zeros(16, 20))
    degree = batch.adj.sum(-1).long()
    assert torch.equal(batch.x.argmax(-1)[batch.mask], degree[batch.mask])
    assert torch.all(batch.x[~batch.mask] == 0) and torch.all(batch.adj[~batch.mask] == 0)
    assert len(dm.test_graphs) == 20 and len(dm.train_graphs) == 80
    dist = dm.node_count_distribution
    assert dist.shape == (21,) and abs(float(dist.sum()) - 1) < 1e-12
    counts = torch.tensor([g.number_of_nodes() for g in dm.train_graphs])
    assert abs(float(dist[15]) - float((counts == 15).double().mean())) < 1e-12
    assert batch.to("cpu").mask.dtype == torch.bool


def test_dense_round_trip_and_gdss_decoding():
    graphs = [nx.cycle_graph(5), nx.path_graph(3), nx.complete_graph(4)]
    dense = graphs_to_dense(graphs, max_nodes=6, max_feat_num=4)
    back = dense_to_graphs(dense.adj, dense.mask)
    assert all(nx.is_isomorphic(a, b) for a, b in zip(graphs, back))
    noisy = dense.adj * 0.8 + 0.3 * torch.eye(6)  # 0.8 >= 0.5 stays an edge; diagonal ignored
    assert all(nx.utils.graphs_equal(a, b) for a, b in zip(back, dense_to_graphs(noisy, dense.mask)))
    lonely = dense_to_graphs(torch.zeros(1, 3, 3))
    assert lonely[0].number_of_nodes() == 1  # GDSS keeps one node when all are isolated
    kept = dense_to_graphs(torch.zeros(1, 3, 3), remove_isolated=False)
    assert kept[0].number_of_nodes() == 3
