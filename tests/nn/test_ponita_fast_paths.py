"""PONITA fast paths against the plain reference path, in float32."""

import pytest
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


def test_memory_light_mlp_with_workspace_and_bfloat16(monkeypatch):
    """Scratch buffers shared between calls and row blocks (here of 2 rows) change nothing
    (float64); the explicit bf16 precision stays within bf16 rounding and returns float32 gradients."""
    import geogen.nn.ponita.pointwise_mlp as pointwise
    from geogen.nn.ponita.kernel_messages import Workspace

    monkeypatch.setattr(pointwise, "_BLOCK_ELEMENTS", 64)  # hidden width 32: blocks of 2 rows

    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).double()
    space = Workspace()
    x = torch.randn(5, 3, 8, dtype=torch.float64, requires_grad=True)
    grad = torch.randn(5, 3, 8, dtype=torch.float64)
    plain = mlp(x)
    expected = torch.autograd.grad(plain, [x, *mlp.parameters()], grad)
    other = gelu_mlp(torch.randn(7, 8, dtype=torch.float64), mlp[0], mlp[2], workspace=space)  # fills the buffers
    light = gelu_mlp(x, mlp[0], mlp[2], workspace=space)
    assert torch.allclose(light, plain, atol=1e-14) and other.shape == (7, 8)
    got = torch.autograd.grad(light, [x, *mlp.parameters()], grad)
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(got, expected))
    mlp32, x32 = mlp.float(), x.detach().float().requires_grad_(True)
    low = gelu_mlp(x32, mlp32[0], mlp32[2], dtype=torch.bfloat16, workspace=Workspace())
    assert low.dtype == torch.bfloat16
    grads = torch.autograd.grad(low.float(), [x32, *mlp32.parameters()], grad.float())
    assert all(g.dtype == torch.float32 for g in grads)
    reference = torch.autograd.grad(mlp32(x32), [x32, *mlp32.parameters()], grad.float())
    assert _worst_relative(grads, reference) < 5e-2
    assert _worst_relative([low.float()], [plain.float()]) < 3e-2


def _message_setup(symmetric: bool):
    from geogen.nn.ponita.edges import pairs_from_directed
    from geogen.nn.ponita.kernel_messages import MessagePlan
    from geogen.nn.ponita.sphere_grid import antipodal_permutation, sphere_grid

    g = torch.Generator().manual_seed(3)
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    sigma = antipodal_permutation(sphere_grid(8, seed=0))
    edges = fully_connected_pairs(batch)
    if not symmetric:
        edges = pairs_from_directed(torch.stack(edges.message_edges()))
    plan = MessagePlan.build(edges, sigma if symmetric else None, batch.numel())
    x = torch.randn(7, 8, 5, generator=g, dtype=torch.float64, requires_grad=True)
    basis = torch.randn(plan.src.numel(), 8, 6, generator=g, dtype=torch.float64, requires_grad=True)
    loop_basis = torch.randn(6, generator=g, dtype=torch.float64)
    weight = torch.randn(6, 5, generator=g, dtype=torch.float64, requires_grad=True)
    return x, basis, loop_basis, weight, plan


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("chunk", [None, 4])
def test_message_function_matches_plain_autograd_float64(symmetric, chunk):
    """The explicit-backward message function (kernels kept, or recomputed per chunk) against
    plain autograd over the same pairs: values and the gradients of x, basis and weight."""
    from geogen.nn.ponita.kernel_messages import _loop_messages, _pair_messages, spatial_messages

    x, basis, loop_basis, weight, plan = _message_setup(symmetric)
    reference = _pair_messages(x, basis @ weight, plan) + _loop_messages(x, loop_basis @ weight, plan)
    grad = torch.randn(reference.shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    expected = torch.autograd.grad(reference, [x, basis, weight], grad)
    # twice: the shared basis-gradient buffer is handed over and reset after each backward
    for _ in range(2):
        out = spatial_messages(x, basis, loop_basis, weight, plan, edge_chunk_size=chunk)
        assert torch.allclose(out, reference, rtol=1e-12, atol=1e-12)
        got = torch.autograd.grad(out, [x, basis, weight], grad)
        for a, b in zip(got, expected):
            assert torch.allclose(a, b, rtol=1e-11, atol=1e-11)


def _mixed_against_float32(chunk, **precision):
    """A float32 PONITA and the same weights with ``precision`` (e.g. ``mlp_dtype=...``) on one
    N-body-like batch: ``(mixed model, data, (out, grads), (reference out, reference grads))``."""
    torch.manual_seed(0)
    kwargs = dict(in_channels=1, hidden_dim=32, out_channels=2, out_vector_channels=1, num_layers=2, num_ori=8,
                  in_vector_channels=1, edge_chunk_size=chunk)
    reference, mixed = PONITA(**kwargs), PONITA(**kwargs, **precision)
    mixed.load_state_dict(reference.state_dict())
    data = _nbody_like()
    return mixed, data, _outputs_and_grads(mixed, data.clone()), _outputs_and_grads(reference, data.clone())


@pytest.mark.parametrize("chunk", [None, 8])
def test_bfloat16_mlps_on_both_paths(chunk):
    """mlp_dtype on the default (autocast) and the memory-light (explicit) path: float32 outputs
    and gradients, bf16 rounding visible but small."""
    _, _, (out, grads), (out_ref, grads_ref) = _mixed_against_float32(chunk, mlp_dtype="bfloat16")
    assert all(t.dtype == torch.float32 for t in (*out, *grads))
    assert 0 < _worst_relative(out, out_ref) < 5e-2
    assert _worst_relative(grads, grads_ref) < 1e-1


@pytest.mark.parametrize("chunk", [None, 8])
def test_bfloat16_kernel_gemms_stay_close_to_float32(chunk):
    """kernel_dtype='bfloat16' (with bf16 MLPs): outputs and every gradient in float32, within
    bf16 rounding of the float32 model; the sampled basis is stored in bfloat16."""
    mixed, data, (out, grads), (out_ref, grads_ref) = _mixed_against_float32(
        chunk, mlp_dtype="bfloat16", kernel_dtype="bfloat16")
    assert all(t.dtype == torch.float32 for t in (*out, *grads))
    assert len(grads) == len(grads_ref)
    assert 0 < _worst_relative(out, out_ref) < 5e-2
    assert _worst_relative(grads, grads_ref) < 1e-1
    sampled = mixed.geometry.sample(data.pos, mixed.edges(data))
    assert sampled.basis.dtype == torch.bfloat16


def test_chunked_basis_matches_unchunked_float64():
    """The hand-checkpointed basis (chunks into one buffer, recomputed in backward) against the
    plain evaluation: values and gradients of the invariants, window and basis parameters."""
    from geogen.nn.ponita.basis import KernelBasis
    from geogen.nn.ponita.geometry import _sample

    torch.manual_seed(0)
    module = KernelBasis(in_dim=2, hidden_dim=16, basis_dim=12, degree=3).double()
    g = torch.Generator().manual_seed(5)
    invariants = torch.randn(11, 4, 2, generator=g, dtype=torch.float64, requires_grad=True)
    window = torch.rand(11, 1, 1, generator=g, dtype=torch.float64, requires_grad=True)
    inputs = [invariants, window, *module.parameters()]
    plain = _sample(module, invariants, window, None, None)
    chunked = _sample(module, invariants, window, 3, None)
    assert torch.allclose(chunked, plain, rtol=1e-13, atol=1e-13)
    grad = torch.randn(plain.shape, generator=g, dtype=torch.float64)
    for a, b in zip(torch.autograd.grad(chunked, inputs, grad), torch.autograd.grad(plain, inputs, grad)):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-12)


def test_unknown_dtype_name_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown floating-point dtype"):
        PONITA(in_channels=1, hidden_dim=8, out_channels=1, num_layers=1, num_ori=4, kernel_dtype="bfloat61")


def _forward_checkpointed(model, data, reentrant):
    """PONITA's forward with every block under torch.utils.checkpoint (None = no checkpointing)."""
    from torch.utils.checkpoint import checkpoint

    kernels = model.geometry.sample(data.pos, model.edges(data))
    h = model.embed(model.geometry.lift(data.x, data.vec))
    plan, readout = kernels.plan, 0.0
    for block, linear in zip(model.blocks, model.readouts):
        args = (h, kernels.basis, kernels.loop_basis, kernels.fibre_basis, plan)
        h = block(*args) if reentrant is None else checkpoint(block, *args, use_reentrant=reentrant)
        readout = readout + linear(h) / len(model.blocks)
    return model.geometry.readout(readout, model.out_channels, kernels, data.vec)


@pytest.mark.parametrize("chunk", [None, 3])
def test_basis_gradient_survives_partial_backward_and_checkpointing(chunk):
    """The basis gradient (shared buffer on the memory-light path) is right after a partial
    ``autograd.grad`` of the same graph and under reentrant and non-reentrant checkpointing of
    the blocks; no scratch buffer outlives a backward pass."""
    torch.manual_seed(0)
    model = PONITA(in_channels=1, hidden_dim=8, out_channels=2, out_vector_channels=1, num_layers=3, num_ori=8,
                   in_vector_channels=1, basis_dim=6, edge_chunk_size=chunk).double()
    data = _nbody_like(num_graphs=2, nodes=4)
    data.pos, data.x, data.vec = data.pos.double(), data.x.double(), data.vec.double()
    params = list(model.geometry.spatial_basis.parameters())

    def loss_of(outputs):
        scalars, vectors = outputs
        return scalars.square().sum() + vectors.square().sum()

    expected = torch.autograd.grad(loss_of(model(data.clone())), params)
    loss = loss_of(model(data.clone()))
    torch.autograd.grad(loss, [model.blocks[-1].conv.spatial], retain_graph=True)  # e.g. one layer's norm
    assert _worst_relative(torch.autograd.grad(loss, params), expected) < 1e-12
    for reentrant in (False, True):  # reentrant checkpointing needs .backward(), not autograd.grad
        model.zero_grad(set_to_none=True)
        loss_of(_forward_checkpointed(model, data.clone(), reentrant)).backward()
        assert _worst_relative([p.grad for p in params], expected) < 1e-12

    from geogen.nn.ponita.kernel_messages import MessagePlan

    plans = []
    original = MessagePlan.build.__func__

    def recording(cls, *args):
        plans.append(original(cls, *args))
        return plans[-1]

    MessagePlan.build = classmethod(recording)
    try:
        loss_of(model(data.clone())).backward()
    finally:
        MessagePlan.build = classmethod(original)
    assert plans and all(not plan.workspace._buffers and plan.basis_gradient.buffer is None for plan in plans)
