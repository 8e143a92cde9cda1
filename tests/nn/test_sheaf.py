"""Sheaf Laplacians and NSD: orthogonality, symmetry/PSD, the d=1 reduction, equivariance."""

import functools

import pytest
import torch
from torch import nn

from geogen.nn.sheaf import (Cayley, DiagonalLaplacian, DiagonalSheaf, GeneralSheaf, Householder,
                             MatrixExponential, NeuralSheafDiffusion, OrthogonalSheaf, SheafGraph)


def _graph(num_nodes=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    pairs = torch.combinations(torch.arange(num_nodes), 2)
    keep = pairs[torch.rand(len(pairs), generator=g) < 0.5]
    ring = torch.stack([torch.arange(num_nodes), (torch.arange(num_nodes) + 1) % num_nodes], 1)
    edges = torch.unique(torch.sort(torch.cat([keep, ring]), dim=1).values, dim=0)
    edge_index = torch.cat([edges.t(), edges.t().flip(0)], dim=1)
    return SheafGraph.from_edge_index(edge_index, num_nodes)


class Ones(nn.Module):
    def forward(self, x):
        return torch.ones_like(x)


@pytest.mark.parametrize("parametrisation", [Householder, Cayley, MatrixExponential])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_orthogonal_maps_are_orthogonal(parametrisation, d):
    orth = parametrisation(d)
    params = torch.randn(64, orth.num_params, dtype=torch.float64) * 3
    q = orth(params)
    eye = torch.eye(d, dtype=torch.float64).expand(64, d, d)
    assert (q.transpose(1, 2) @ q - eye).abs().max() < 1e-6
    assert (q @ q.transpose(1, 2) - eye).abs().max() < 1e-6


def test_householder_matches_torch_householder_product():
    params = torch.randn(10, 3, dtype=torch.float64)
    lower = torch.zeros(10, 3, 3, dtype=torch.float64)
    rows, cols = torch.tril_indices(3, 3, offset=-1)
    lower[:, rows, cols] = params
    tau = 2.0 / (1.0 + (lower ** 2).sum(1))
    expected = torch.linalg.householder_product(lower, tau)
    assert torch.allclose(Householder(3)(params), expected, atol=1e-12)


BUILDERS = [
    functools.partial(DiagonalSheaf, stalk_dim=3),
    functools.partial(DiagonalSheaf, stalk_dim=2, low_pass=True, high_pass=True),
    functools.partial(OrthogonalSheaf, stalk_dim=3),
    functools.partial(OrthogonalSheaf, stalk_dim=3, orthogonal_map=Cayley, edge_weights=False, low_pass=True),
    functools.partial(OrthogonalSheaf, stalk_dim=2, orthogonal_map=MatrixExponential, sum_stalks=True),
    functools.partial(GeneralSheaf, stalk_dim=3),
    functools.partial(GeneralSheaf, stalk_dim=2, high_pass=True),
]


@pytest.mark.parametrize("make", BUILDERS)
def test_laplacian_symmetric_psd_and_matmul_matches_dense(make):
    torch.manual_seed(0)
    graph = _graph()
    builder = make(hidden_channels=4).double().eval()
    x = torch.randn(graph.num_nodes, builder.total_dim, 4, dtype=torch.float64)
    laplacian = builder(x, graph)
    dense = laplacian.to_dense()
    assert torch.allclose(dense, dense.t(), atol=1e-12)
    assert torch.linalg.eigvalsh(dense).min() > -1e-10
    expected = (dense @ x.reshape(-1, 4)).reshape_as(x)
    assert torch.allclose(laplacian.matmul(x), expected, atol=1e-12)


@pytest.mark.parametrize("augmented", [False, True])
def test_identity_maps_with_d1_give_normalised_graph_laplacian(augmented):
    graph = _graph()
    builder = DiagonalSheaf(stalk_dim=1, hidden_channels=2, activation=Ones(), augmented=augmented).double()
    dense = builder(torch.randn(graph.num_nodes, 1, 2, dtype=torch.float64), graph).to_dense()
    adj = torch.zeros(graph.num_nodes, graph.num_nodes, dtype=torch.float64)
    adj[graph.row, graph.col] = 1.0
    deg = adj.sum(1)
    scale = (deg + float(augmented)).rsqrt()
    expected = scale[:, None] * (torch.diag(deg) - adj) * scale[None, :]
    assert torch.allclose(dense, expected, atol=1e-12)
    if not augmented:
        assert torch.allclose(dense, torch.eye(len(deg), dtype=torch.float64) - scale[:, None] * adj * scale, atol=1e-12)


def test_sheaf_graph_pairs_reverse_edges_and_rejects_directed():
    graph = _graph()
    assert torch.equal(graph.edge_index[:, graph.reverse], graph.edge_index.flip(0))
    with pytest.raises(ValueError):
        SheafGraph.from_edge_index(torch.tensor([[0, 1], [1, 2]]), 3)


def test_diagonal_laplacian_dense_indexing():
    graph = _graph(4)
    lap = DiagonalLaplacian(graph=graph, diag=torch.ones(4, 2), off=torch.zeros(graph.num_edges, 2))
    assert torch.equal(lap.to_dense(), torch.eye(8))


@pytest.mark.parametrize("sheaf", [functools.partial(OrthogonalSheaf, stalk_dim=3, low_pass=True),
                                   functools.partial(DiagonalSheaf, stalk_dim=2),
                                   functools.partial(GeneralSheaf, stalk_dim=2)])
def test_nsd_classifier_is_permutation_equivariant(sheaf):
    torch.manual_seed(0)
    graph = _graph(9)
    model = NeuralSheafDiffusion(in_channels=5, out_channels=3, hidden_channels=4, num_layers=3, sheaf=sheaf,
                                 second_linear=True).double().eval()
    x = torch.randn(9, 5, dtype=torch.float64)
    perm = torch.randperm(9)
    inverse = torch.argsort(perm)
    out = model(x, graph.edge_index)
    out_perm = model(x[perm], inverse[graph.edge_index])
    assert out.shape == (9, 3)
    assert torch.allclose(out[perm], out_perm, atol=1e-10)


def test_nsd_trains_one_step_and_groups_parameters():
    torch.manual_seed(0)
    graph = _graph(9)
    model = NeuralSheafDiffusion(in_channels=5, out_channels=3, hidden_channels=4, num_layers=2,
                                 sheaf=functools.partial(OrthogonalSheaf, stalk_dim=2), dropout=0.5)
    sheaf, other = model.grouped_parameters()
    assert sheaf and other and len(sheaf) + len(other) == len(list(model.parameters()))
    loss = model(torch.randn(9, 5), graph).logsumexp(1).sum()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in sheaf)


def test_sparse_features_match_dense_encoder_and_gradient():
    from geogen.nn.sheaf.features import DenseFeatures, SparseFeatures, prepare_node_features

    torch.manual_seed(0)
    x = torch.randn(9, 13, dtype=torch.float64) * (torch.rand(9, 13) < 0.08)
    features = prepare_node_features(x)
    assert isinstance(features, SparseFeatures)
    assert isinstance(prepare_node_features(torch.randn(9, 13)), DenseFeatures)
    layer = nn.Linear(13, 4).double()
    out = features.linear(layer)
    (out ** 2).sum().backward()
    grad = layer.weight.grad.clone()
    layer.zero_grad()
    (layer(x) ** 2).sum().backward()
    assert torch.allclose(out, layer(x), atol=1e-12) and torch.allclose(grad, layer.weight.grad, atol=1e-12)
    dropped = features.dropout(0.5, training=True)
    assert torch.equal(dropped.transpose.to_dense(), dropped.matrix.to_dense().t())
    assert ((dropped.matrix.to_dense() != 0) <= (x != 0)).all()
