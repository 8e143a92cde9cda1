"""The fused O(d) edge-block kernel equals the bmm formulation (values and gradients)."""

import functools

import pytest
import torch

from geogen.nn.compiled_kernels import CompiledKernels
from geogen.nn.sheaf import Householder, OrthogonalSheaf, SheafGraph
from geogen.nn.sheaf import builders
from geogen.nn.sheaf.connection_blocks import connection_blocks


def reference_blocks(params, params_reverse, weight, d):
    """``-w F^T F_rev`` with the matrix Householder map and bmm: ``[E, P]`` -> ``[E, d, d]``."""
    maps, maps_reverse = Householder(d)(params), Householder(d)(params_reverse)
    return -weight.view(-1, 1, 1) * torch.bmm(maps.transpose(1, 2), maps_reverse)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_entries_equal_the_householder_matrices(d):
    torch.manual_seed(d)
    params = torch.randn(7, d * (d - 1) // 2, dtype=torch.float64)
    entries = Householder(d).entries(params.t())
    matrix = torch.stack([torch.stack([torch.as_tensor(e, dtype=torch.float64).expand(7) for e in row], -1)
                          for row in entries], -2)  # [E, d, d]
    torch.testing.assert_close(matrix, Householder(d)(params), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("d", [2, 3, 4])
def test_eager_blocks_match_bmm_with_gradients(d):
    torch.manual_seed(0)
    edges = 11
    params = torch.randn(edges, d * (d - 1) // 2, dtype=torch.float64, requires_grad=True)
    params_reverse = torch.randn(edges, d * (d - 1) // 2, dtype=torch.float64, requires_grad=True)
    weight = torch.rand(edges, dtype=torch.float64, requires_grad=True)
    eager = CompiledKernels(compile=False)

    def fused(p, r, w):
        return connection_blocks(Householder(d), p.t(), r.t(), w, eager).view(-1, d, d)

    torch.testing.assert_close(fused(params, params_reverse, weight),
                               reference_blocks(params, params_reverse, weight, d), rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(fused, (params, params_reverse, weight))


def test_entries_trace_to_one_graph():
    """No graph break: the compiled kernel is a single loop, not pieces with [E] intermediates between."""
    import torch._dynamo

    from geogen.nn.sheaf.connection_blocks import _blocks

    params, weight = torch.randn(3, 20), torch.rand(20)
    explained = torch._dynamo.explain(lambda p, r, w: _blocks(p, r, w, Householder(3)))(params, params, weight)
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)


def _graph(n=60, p=0.2, seed=2):
    torch.manual_seed(seed)
    upper = torch.triu(torch.rand(n, n) < p, 1)
    return SheafGraph.from_edge_index((upper | upper.t()).nonzero().t(), n)


def test_builder_takes_the_compiled_path_on_large_graphs(monkeypatch):
    """Above the edge threshold the builder's Laplacian and gradients equal the bmm path's, with the
    kernel really compiled (a fresh registry, still enabled afterwards), for two graph sizes."""
    kernels = CompiledKernels()
    monkeypatch.setattr(builders, "default_kernels", lambda: kernels)
    monkeypatch.setattr(builders, "FUSED_MIN_EDGES", 1)
    calls = []
    original = builders.connection_blocks
    monkeypatch.setattr(builders, "connection_blocks", lambda *a: calls.append(1) or original(*a))
    for d in (2, 3):
        make = functools.partial(OrthogonalSheaf, stalk_dim=d, hidden_channels=4, low_pass=True)
        fused, plain = make(), make(fused=False)
        plain.load_state_dict(fused.state_dict())
        for graph in (_graph(60), _graph(45, seed=3)):  # a second edge count: no recompile needed
            x = torch.randn(graph.num_nodes, d + 1, 4)
            signal = torch.randn(graph.num_nodes, d + 1, 4)
            results = []
            for builder in (fused, plain):
                out = builder(x, graph).matmul(signal)
                grads = torch.autograd.grad(out.square().sum(), list(builder.parameters()))
                results.append((out, *grads))
            for a, b in zip(*results):
                torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    assert len(calls) == 4, "the fused kernel was not used"
    assert kernels.enabled, "compiling failed: the test ran the eager fallback"


def test_vmapped_builders_keep_the_bmm_path(monkeypatch):
    """Stacked splits call the builder under vmap: the compiled kernel is not entered there."""
    from torch.func import functional_call, vmap

    monkeypatch.setattr(builders, "FUSED_MIN_EDGES", 1)
    monkeypatch.setattr(builders, "connection_blocks", lambda *a: pytest.fail("fused kernel under vmap"))
    graph = _graph(30)
    builder = OrthogonalSheaf(stalk_dim=3, hidden_channels=4)
    params = {k: torch.stack([v, v]) for k, v in builder.named_parameters()}
    x, signal = torch.randn(2, 30, 3, 4), torch.randn(2, 30, 3, 4)
    out = vmap(lambda p, h, s: functional_call(builder, p, (h, graph)).matmul(s))(params, x, signal)
    builder.fused = False  # the reference outside vmap, on the bmm path too
    torch.testing.assert_close(out[0], builder(x[0], graph).matmul(signal[0]))
