"""CSR edge-block products match the gather path, in values, gradients and under vmap."""

import dataclasses
import functools

import pytest
import torch

from geogen.nn.sheaf import DiagonalSheaf, GeneralSheaf, OrthogonalSheaf, SheafGraph


def _edge_index(num_nodes=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    pairs = torch.combinations(torch.arange(num_nodes), 2)
    keep = pairs[torch.rand(len(pairs), generator=g) < 0.4]
    return torch.cat([keep.t(), keep.t().flip(0)], dim=1)


def _graph(edge_index, num_nodes, sparse):
    graph = SheafGraph.from_edge_index(edge_index, num_nodes)
    return graph if sparse else dataclasses.replace(graph, sparse_min_edges=10 ** 9)  # gather path


@pytest.mark.parametrize("make", [functools.partial(OrthogonalSheaf, stalk_dim=3, low_pass=True),
                                  functools.partial(DiagonalSheaf, stalk_dim=2, high_pass=True),
                                  functools.partial(GeneralSheaf, stalk_dim=2)])
def test_csr_laplacian_matches_gather_path_and_gradients(make):
    torch.manual_seed(0)
    edge_index, n = _edge_index(), 12
    builder = make(hidden_channels=4).double().eval()
    x = torch.randn(n, builder.total_dim, 4, dtype=torch.float64, requires_grad=True)
    results = []
    for sparse in (False, True):
        graph = _graph(edge_index, n, sparse)
        assert (graph.edge_blocks(1, ((0, 0),)) is not None) == sparse
        y = builder(x, graph).matmul(x)
        grads = torch.autograd.grad((y * y.sin()).sum(), [x, *builder.parameters()])
        results.append((y, grads))
    (y0, g0), (y1, g1) = results
    assert torch.allclose(y0, y1, atol=1e-12)
    assert all(torch.allclose(a, b, atol=1e-10) for a, b in zip(g0, g1))


def test_edge_block_matmul_under_vmap_matches_a_loop():
    edge_index, n, d = _edge_index(), 12, 3
    graph = SheafGraph.from_edge_index(edge_index, n)
    blocks = tuple((i, j) for i in range(d) for j in range(d))
    pattern = graph.edge_blocks(d, blocks)
    values = torch.randn(4, graph.num_edges, d * d, dtype=torch.float64, requires_grad=True)
    x = torch.randn(4, n, d, 5, dtype=torch.float64, requires_grad=True)
    batched = torch.func.vmap(pattern.matmul)(values, x)
    looped = torch.stack([pattern.matmul(v, xi) for v, xi in zip(values, x)])
    assert torch.allclose(batched, looped, atol=1e-12)
    weight = torch.randn_like(looped)
    grads_b = torch.autograd.grad((batched * weight).sum(), [values, x])
    grads_l = torch.autograd.grad((looped * weight).sum(), [values, x])
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(grads_b, grads_l))
    # Reference: the dense block matrix.
    dense = torch.zeros(n, d, n, d, dtype=torch.float64)
    dense[edge_index[0], :, edge_index[1], :] = values[0].detach().view(-1, d, d)
    expected = (dense.reshape(n * d, n * d) @ x[0].detach().reshape(n * d, 5)).view(n, d, 5)
    assert torch.allclose(looped[0], expected, atol=1e-12)
