"""The fused GMH attention-score kernel equals the batched-matmul formulation (values and grads)."""

import pytest
import torch

from geogen.nn.gdss.attention import DENSE_FUSED_MIN_NODES, FUSED_MIN_BATCH
from geogen.nn.compiled_kernels import CompiledKernels
from geogen.nn.gdss.fused_scores import dense_tanh_scores, packed_tanh_scores
from geogen.nn.gdss.score_adj import ScoreNetworkA


def reference_scores(query, key, rows, cols):
    """``[M, N, H, d]`` -> ``[M, P]`` via per-head matmuls (the unfused formulation)."""
    scores = torch.tanh(query.transpose(1, 2) @ key.permute(0, 2, 3, 1)).sum(dim=1)  # [M, N, N]
    return (scores + scores.transpose(1, 2))[:, rows, cols]


@pytest.mark.parametrize("batch,lanes", [(5, 4), (8, 4), (3, 64)])
def test_eager_kernels_match_reference_with_gradients(batch, lanes):
    torch.manual_seed(0)
    nodes, heads, dim = 4, 2, 3
    rows, cols = torch.triu_indices(nodes, nodes, 1)
    query = torch.randn(batch, nodes, heads, dim, dtype=torch.float64, requires_grad=True)
    key = torch.randn(batch, nodes, heads, dim, dtype=torch.float64, requires_grad=True)
    eager = CompiledKernels(compile=False)
    out = packed_tanh_scores(query, key, rows, cols, eager, lanes)
    torch.testing.assert_close(out, reference_scores(query, key, rows, cols), rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda q, k: packed_tanh_scores(q, k, rows, cols, eager, lanes),
                                    (query, key))


def test_saturated_products_give_the_unclamped_values_and_gradients():
    """Products beyond the tanh clamp (|q.k| > 20, common early in sampling) change nothing."""
    torch.manual_seed(3)
    nodes, heads, dim = 5, 2, 3
    rows, cols = torch.triu_indices(nodes, nodes, 1)
    query = (torch.randn(6, nodes, heads, dim, dtype=torch.float64) * 8).requires_grad_()
    key = (torch.randn(6, nodes, heads, dim, dtype=torch.float64) * 8).requires_grad_()
    dots = torch.einsum("mnhd,mkhd->mnkh", query, key)
    assert (dots.abs() > 20).float().mean() > 0.2  # the clamp is exercised
    weights = torch.randn(6, rows.numel(), dtype=torch.float64)
    results = []
    for scores in (packed_tanh_scores(query, key, rows, cols, CompiledKernels(compile=False), 4),
                   reference_scores(query, key, rows, cols)):
        results.append((scores, *torch.autograd.grad((scores * weights).sum(), (query, key))))
    for fused, reference in zip(*results):
        torch.testing.assert_close(fused, reference, rtol=1e-12, atol=1e-12)


def test_compiled_kernels_match_eager():
    torch.manual_seed(1)
    batch, nodes, heads, dim = 130, 9, 4, 4  # not a multiple of the tile: exercises the padding
    rows, cols = torch.triu_indices(nodes, nodes, 1)
    query = torch.randn(batch, nodes, heads, dim, requires_grad=True)
    key = torch.randn(batch, nodes, heads, dim, requires_grad=True)
    weights = torch.randn(batch, rows.numel())
    results = []
    for kernels in (CompiledKernels(compile=False), CompiledKernels()):
        out = packed_tanh_scores(query, key, rows, cols, kernels)
        d_query, d_key = torch.autograd.grad((out * weights).sum(), (query, key))
        results.append((out, d_query, d_key))
        assert kernels.enabled  # the compiled kernels ran (no silent eager fallback)
    for eager, compiled in zip(*results):
        torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-5)


def test_score_network_a_fused_equals_matmul_path():
    """Above ``FUSED_MIN_BATCH`` the network takes the fused path; outputs and grads agree."""
    torch.manual_seed(2)
    net = ScoreNetworkA(num_features=4, hidden_dim=8, attn_dim=8, num_layers=2, num_linears=2,
                        c_init=2, c_hid=4, c_final=2, num_heads=2, batch_last=False)
    batch, nodes = FUSED_MIN_BATCH // 2, 5  # C * B = 1024 on the first layer
    mask = torch.arange(nodes)[None] < torch.randint(2, nodes + 1, (batch, 1))
    adj = torch.rand(batch, nodes, nodes).triu(1)
    adj = (adj + adj.transpose(1, 2)) * mask[:, None] * mask[:, :, None]
    x = torch.randn(batch, nodes, 4) * mask[..., None]
    outputs = []
    for fused in (False, True):
        for layer in net.layers:
            layer.fused = fused
        net.zero_grad()
        out = net(x, adj, mask)
        out.square().sum().backward()
        outputs.append((out.detach(), [p.grad.clone() for p in net.parameters()]))
    (out_ref, grads_ref), (out_fused, grads_fused) = outputs
    torch.testing.assert_close(out_fused, out_ref, rtol=1e-5, atol=1e-5)
    for ref, new in zip(grads_ref, grads_fused):
        torch.testing.assert_close(new, ref, rtol=1e-4, atol=1e-5)


def test_dense_scores_match_per_head_matmuls():
    """The node-last kernel for large graphs: eager in float64 and compiled in float32."""
    torch.manual_seed(4)
    query = torch.randn(3, 2, 11, 4, dtype=torch.float64) * 3  # [M, H, N, d], some saturated
    key = torch.randn(3, 2, 11, 4, dtype=torch.float64) * 3
    reference = torch.tanh(query @ key.transpose(-1, -2)).sum(dim=1)
    torch.testing.assert_close(dense_tanh_scores(query, key, CompiledKernels(compile=False)), reference,
                               rtol=1e-12, atol=1e-12)
    kernels = CompiledKernels()
    compiled = dense_tanh_scores(query.float(), key.float(), kernels)
    assert kernels.enabled  # it was compiled, not run eagerly after a failure
    torch.testing.assert_close(compiled, reference.float(), rtol=1e-5, atol=1e-5)


def test_score_network_a_large_graphs_take_the_dense_kernel_in_inference_only():
    torch.manual_seed(5)
    net = ScoreNetworkA(num_features=3, hidden_dim=8, attn_dim=8, num_layers=2, num_linears=2,
                        c_init=2, c_hid=4, c_final=2, num_heads=2)
    nodes = DENSE_FUSED_MIN_NODES + 6
    mask = torch.arange(nodes)[None] < torch.tensor([[nodes], [DENSE_FUSED_MIN_NODES - 10]])
    adj = (torch.rand(2, nodes, nodes) > 0.8).float().triu(1)
    adj = (adj + adj.transpose(1, 2)) * mask[:, None] * mask[:, :, None]
    x = torch.randn(2, nodes, 3) * mask[..., None]
    calls = []
    import geogen.nn.gdss.attention as attention

    original = attention.dense_tanh_scores
    try:
        attention.dense_tanh_scores = lambda *a: calls.append(1) or original(*a)
        with torch.no_grad():
            fast = net(x, adj, mask)
        assert len(calls) == 2  # both layers used the kernel
        out = net(x, adj, mask)  # with autograd: the differentiable matmul path
        assert len(calls) == 2 and out.requires_grad
    finally:
        attention.dense_tanh_scores = original
    torch.testing.assert_close(fast, out.detach(), rtol=1e-5, atol=1e-6)


def test_index_pair_packing_equals_matmul_packing():
    from geogen.nn.gdss.dense_ops import IndexPairPacking, PairPacking, pair_packing

    torch.manual_seed(3)
    batch, channels, nodes = 3, 2, 7
    dense = torch.randn(batch, channels, nodes, nodes, dtype=torch.float64)
    packed = torch.randn(batch, nodes * (nodes - 1) // 2, channels, dtype=torch.float64)
    mask = torch.arange(nodes)[None] < torch.tensor([[7], [4], [1]])
    a, b = PairPacking(nodes, dense), IndexPairPacking(nodes, dense)
    torch.testing.assert_close(b.pack(dense), a.pack(dense))
    torch.testing.assert_close(b.unpack(packed, 1.0), a.unpack(packed, 1.0))
    torch.testing.assert_close(b.unpack_channels_first(packed, 1.0), a.unpack_channels_first(packed, 1.0))
    torch.testing.assert_close(b.pack_symmetrized(dense.transpose(0, 1)), a.pack_symmetrized(dense.transpose(0, 1)))
    torch.testing.assert_close(b.pair_mask(mask), a.pair_mask(mask))
    assert isinstance(pair_packing(200, dense), IndexPairPacking)  # no [N^2, P] matrices for large N
    # gradients through the 2-D gathers (and the in-place sum of the two triangles)
    dense.requires_grad_()
    packed.requires_grad_()
    assert torch.autograd.gradcheck(lambda d: b.pack_symmetrized(d.transpose(0, 1)), (dense,))
    assert torch.autograd.gradcheck(lambda p: b.unpack_channels_first(p, 1.0), (packed,))
    assert torch.autograd.gradcheck(lambda d: b.pack(d), (dense,))


def test_official_ema_shadow_params_become_a_state_dict():
    from geogen.errors import GeogenError
    from geogen.nn.gdss.official import ema_as_state_dict

    state = {"a.weight": torch.zeros(2, 3), "a.bias": torch.zeros(2)}
    shadows = [torch.ones(2, 3), torch.full((2,), 2.0)]
    out = ema_as_state_dict({"decay": 0.999, "num_updates": 5, "shadow_params": shadows}, state)
    assert list(out) == ["a.weight", "a.bias"] and torch.equal(out["a.bias"], shadows[1])
    assert ema_as_state_dict(state, state) is state and ema_as_state_dict(None, state) is None
    with pytest.raises(GeogenError, match="shape"):
        ema_as_state_dict({"shadow_params": shadows[::-1]}, state)
