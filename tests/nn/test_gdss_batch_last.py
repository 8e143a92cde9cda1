"""ScoreNetworkA evaluated batch-last (geogen.nn.gdss.batch_last) equals the batched path."""

import pytest
import torch

import geogen.nn.gdss.batch_last as batch_last
from geogen.nn.compiled_kernels import CompiledKernels
from geogen.nn.gdss.score_adj import ScoreNetworkA


def _network(dtype=torch.float32):
    torch.manual_seed(3)
    net = ScoreNetworkA(num_features=4, hidden_dim=8, attn_dim=8, num_layers=3, num_linears=3,
                        c_init=2, c_hid=4, c_final=2, num_heads=2, batch_last=False)
    return net.to(dtype)


def _graphs(batch, nodes, dtype=torch.float32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    mask = torch.arange(nodes)[None] < torch.randint(1, nodes + 1, (batch, 1), generator=generator)
    adj = torch.randn(batch, nodes, nodes, generator=generator, dtype=dtype).triu(1)
    adj = (adj + adj.transpose(1, 2)) * mask[:, None] * mask[:, :, None]
    x = torch.randn(batch, nodes, 4, generator=generator, dtype=dtype) * mask[..., None]
    return x, adj, mask


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_padded_batch_sizes(batch):
    size = batch_last.padded_batch(batch)
    assert size >= batch and size & (size - 1) == 0  # a power of two below 1,024
    assert batch_last.padded_batch(1000) == 1024 and batch_last.padded_batch(1025) == 2048
    assert batch_last.padded_batch(3000) == 3072


@pytest.mark.parametrize("grad", [False, True])
def test_eager_batch_last_equals_batched_path_float64(grad):
    """Values (inference: gathers) and gradients (autograd: slices), float64, eagerly."""
    net = _network(torch.float64)
    x, adj, mask = _graphs(6, 5, torch.float64)  # padded to 8 graphs inside
    eager = CompiledKernels(compile=False)
    with torch.set_grad_enabled(grad):
        outputs = []
        for path in ("batched", "batch_last"):
            net.zero_grad()
            out = net(x, adj, mask) if path == "batched" else batch_last.score_adj_batch_last(net, x, adj, mask, eager)
            if grad:
                (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum().backward()
            outputs.append((out.detach(), [p.grad.clone() for p in net.parameters()] if grad else []))
    (ref, ref_grads), (new, new_grads) = outputs
    torch.testing.assert_close(new, ref, rtol=1e-10, atol=1e-12)
    assert torch.equal(new, new.transpose(1, 2)) and not new.diagonal(dim1=1, dim2=2).any()
    for a, b in zip(new_grads, ref_grads):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


def test_large_cpu_batches_take_the_compiled_batch_last_path(monkeypatch):
    """Above BATCH_LAST_MIN_BATCH the network runs the compiled graph; same scores."""
    net = _network()
    batch = batch_last.BATCH_LAST_MIN_BATCH + 3  # ragged: padded to the next power of two
    x, adj, mask = _graphs(batch, 6, seed=1)
    calls = []
    original = batch_last.score_adj_batch_last
    import geogen.nn.gdss.score_adj as score_adj

    monkeypatch.setattr(score_adj, "score_adj_batch_last", lambda *a: calls.append(1) or original(*a))
    with torch.no_grad():
        ref = net(x, adj, mask)  # batch_last=False: the batched path
        net.batch_last = True
        fast = net(x, adj, mask)
    assert calls == [1]
    torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-5)
    small = _graphs(batch_last.BATCH_LAST_MIN_BATCH - 1, 6)
    with torch.no_grad():
        net(*small)
    assert calls == [1]  # small batches skip the compile


def test_large_graphs_keep_the_batched_path():
    x = torch.zeros(batch_last.BATCH_LAST_MIN_BATCH, batch_last.BATCH_LAST_MAX_NODES + 1, 3)
    assert not batch_last.batch_last_applies(x)
    assert batch_last.batch_last_applies(x[:, :9])
    assert not batch_last.batch_last_applies(x[:-1, :9])
