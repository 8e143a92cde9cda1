"""PONITA fast paths against the plain reference path, in float32."""

import torch
from torch_geometric.data import Batch, Data

from geogen.nn.ponita import PONITA
from geogen.nn.ponita.edges import fully_connected_pairs
from geogen.nn.ponita.pointwise_mlp import gelu_mlp


def _nbody_like(num_graphs=4, nodes=5):
    g = torch.Generator().manual_seed(0)
    return Batch.from_data_list([Data(pos=torch.randn(nodes, 3, generator=g), x=torch.randn(nodes, 1, generator=g),
                                      vec=torch.randn(nodes, 1, 3, generator=g)) for _ in range(num_graphs)])


def _outputs_and_grads(model, data):
    data.pos.requires_grad_(True)
    scalars, vectors = model(data)
    target = torch.randn(vectors.shape, generator=torch.Generator().manual_seed(1))
    loss = (vectors - target).square().mean() + scalars.square().mean()
    grads = torch.autograd.grad(loss, [data.pos, *model.parameters()], allow_unused=True)
    return [scalars, vectors], [g for g in grads if g is not None]


def _worst_relative(fast, reference):
    pairs = [(a.detach(), b.detach()) for a, b in zip(fast, reference)]
    return max(float((a - b).norm() / b.norm()) for a, b in pairs if float(b.norm()) > 1e-6)


def test_fast_paths_match_reference_path_float32():
    """Default path (pair kernels shared by both directions in the antipodally permuted frame,
    one shared self-loop kernel) and the memory-light chunked path against the plain reference
    (every message edge listed, one kernel per edge), at the N-body configuration's depth of orientations (16)."""
    torch.manual_seed(0)
    kwargs = dict(in_channels=1, hidden_dim=64, out_channels=2, out_vector_channels=1, num_layers=2, num_ori=16,
                  in_vector_channels=1, basis_dim=128)
    fast = PONITA(**kwargs)
    chunked = PONITA(**kwargs, edge_chunk_size=16)
    chunked.load_state_dict(fast.state_dict())
    data = _nbody_like()
    reference_data = data.clone()
    reference_data.edge_index = torch.stack(fully_connected_pairs(data.batch).message_edges())
    out_ref, grads_ref = _outputs_and_grads(fast, reference_data)
    # the chunked path twice: its shared basis-gradient buffer must be handed over and reset
    for model in (fast, chunked, chunked):
        out, grads = _outputs_and_grads(model, data.clone())
        assert _worst_relative(out, out_ref) < 1e-5
        assert len(grads) == len(grads_ref) and _worst_relative(grads, grads_ref) < 1e-4


def test_memory_light_mlp_matches_autograd():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).double()
    x = torch.randn(5, 3, 8, dtype=torch.float64, requires_grad=True)
    plain = mlp(x)
    light = gelu_mlp(x, mlp[0], mlp[2])
    assert torch.allclose(light, plain, atol=1e-14)
    grad = torch.randn_like(plain)
    expected = torch.autograd.grad(plain, [x, *mlp.parameters()], grad)
    got = torch.autograd.grad(light, [x, *mlp.parameters()], grad)
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(got, expected))


def test_bfloat16_mlps_stay_close_to_float32_and_keep_float32_outputs():
    torch.manual_seed(0)
    kwargs = dict(in_channels=1, hidden_dim=32, out_channels=2, out_vector_channels=1, num_layers=2, num_ori=8,
                  in_vector_channels=1)
    reference, mixed = PONITA(**kwargs), PONITA(**kwargs, mlp_dtype="bfloat16")
    mixed.load_state_dict(reference.state_dict())
    data = _nbody_like()
    out_ref, grads_ref = _outputs_and_grads(reference, data.clone())
    out, grads = _outputs_and_grads(mixed, data.clone())
    assert all(t.dtype == torch.float32 for t in (*out, *grads))
    error = _worst_relative(out, out_ref)
    assert 0 < error < 5e-2  # bf16 rounding is visible, but small
    assert _worst_relative(grads, grads_ref) < 1e-1
