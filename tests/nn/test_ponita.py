"""PONITA: equivariance in float64, kernel reuse across edge directions, chunked path, grid."""

import pytest
import torch
from torch_geometric.data import Batch, Data

from geogen.nn.ponita import PONITA, PonitaOutput, antipodal_permutation, sphere_grid
from geogen.nn.ponita.edges import fully_connected_pairs


def _rotation(generator):
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.det(q))


def _batch(pos, x, vec, sizes=(5, 4)):
    bounds = [(0, sizes[0]), (sizes[0], sum(sizes))]
    return Batch.from_data_list([Data(pos=pos[a:b], x=x[a:b], vec=vec[a:b]) for a, b in bounds])


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(9, 3, generator=g, dtype=torch.float64), torch.randn(9, 2, generator=g, dtype=torch.float64),
            torch.randn(9, 2, 3, generator=g, dtype=torch.float64))


def _model(num_ori, **kwargs):
    torch.manual_seed(0)
    return PONITA(in_channels=2, hidden_dim=16, out_channels=3, out_vector_channels=2, num_layers=2,
                  num_ori=num_ori, in_vector_channels=2, **kwargs).double()


def _rel(a, b):
    return float((a - b).detach().norm() / b.detach().norm())


def _rotation_error(model, seed=0):
    pos, x, vec = _inputs(seed)
    rot = _rotation(torch.Generator().manual_seed(seed + 1))
    s, v = model(_batch(pos, x, vec))
    s_r, v_r = model(_batch(pos @ rot.T, x, vec @ rot.T))
    return max(_rel(s_r, s), _rel(v_r, v @ rot.T))


@pytest.mark.parametrize("num_ori", [0, 8, 15])
def test_translation_and_permutation_exact(num_ori):
    model = _model(num_ori)
    pos, x, vec = _inputs()
    s, v = model(_batch(pos, x, vec))
    shift = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
    s_t, v_t = model(_batch(pos + shift, x, vec))
    perm = torch.cat([torch.randperm(5), 5 + torch.randperm(4)])
    s_p, v_p = model(_batch(pos[perm], x[perm], vec[perm]))
    assert _rel(s_t, s) < 1e-9 and _rel(v_t, v) < 1e-9
    assert _rel(s_p, s[perm]) < 1e-9 and _rel(v_p, v[perm]) < 1e-9


def test_point_cloud_rotation_exact():
    assert _rotation_error(_model(0)) < 1e-9


def test_fibre_bundle_rotation_error_falls_with_grid_size():
    errors = [_rotation_error(_model(n)) for n in (4, 16, 64)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.02


def test_output_unpacks_and_shapes():
    out = _model(8)(_batch(*_inputs()))
    assert isinstance(out, PonitaOutput)
    scalars, vectors = out
    assert scalars.shape == (9, 3) and vectors.shape == (9, 2, 3)


def test_pair_kernel_reuse_matches_explicit_edges():
    """The reversed edge reuses its pair's kernel through the antipodal map and self-loops share
    one kernel: same result as listing every message edge explicitly (a directed edge_index takes
    the plain reference path, one kernel per edge)."""
    model = _model(8)
    pos, x, vec = _inputs()
    data = _batch(pos, x, vec)
    reference = model(data)
    data.edge_index = torch.stack(fully_connected_pairs(data.batch).message_edges())  # self-loops as plain edges
    explicit = model(data)
    assert _rel(explicit.scalars, reference.scalars) < 1e-12 and _rel(explicit.vectors, reference.vectors) < 1e-12


@pytest.mark.parametrize("num_ori", [0, 8])
def test_chunked_path_matches_plain_path_with_gradients(num_ori):
    plain, chunked = _model(num_ori), _model(num_ori, edge_chunk_size=7)
    chunked.load_state_dict(plain.state_dict())
    data = _batch(*_inputs())
    data.pos.requires_grad_(True)
    outs = []
    for model in (plain, chunked):
        s, v = model(data)
        loss = s.square().sum() + v.square().sum()
        grads = torch.autograd.grad(loss, [data.pos, *model.parameters()])
        outs.append((s, v, grads))
    assert _rel(outs[1][0], outs[0][0]) < 1e-12 and _rel(outs[1][1], outs[0][1]) < 1e-12
    for g_chunked, g_plain in zip(outs[1][2], outs[0][2]):
        assert torch.allclose(g_chunked, g_plain, atol=1e-10, rtol=1e-8)


def test_radius_graph_and_conditioning():
    model = _model(8, radius=1.5, cond_channels=4)
    data = _batch(*_inputs())
    cond = torch.randn(9, 4, dtype=torch.float64)
    base = model(data, cond=cond)
    assert torch.isfinite(base.vectors).all()
    for block in model.blocks:
        torch.nn.init.normal_(block.modulation.weight)
    assert _rel(model(data, cond=cond).scalars, base.scalars) > 1e-3


def test_sphere_grid_is_deterministic_and_antipodal():
    a, b = sphere_grid(16, seed=3), sphere_grid(16, seed=3)
    assert torch.equal(a, b)
    assert torch.allclose(a.norm(dim=-1), torch.ones(16, dtype=torch.float64))
    sigma = antipodal_permutation(a)
    assert sigma is not None and torch.allclose(a[sigma], -a)
    assert antipodal_permutation(sphere_grid(15)) is None
    # repulsion spreads the points: the closest pair is far from the random start's
    assert (torch.cdist(a, a) + 9 * torch.eye(16)).min() > 0.7


def test_sphere_grid_and_model_build_under_no_grad_and_inference_mode():
    """The repulsion is its own optimisation: building a model in a sampling script's
    no_grad/inference_mode block must work and give the same grid."""
    reference = sphere_grid(8, seed=1)
    with torch.no_grad():
        assert torch.equal(sphere_grid(8, seed=1), reference)
        _model(8)
    with torch.inference_mode():
        assert torch.equal(sphere_grid(8, seed=1), reference)


def test_official_nbody_configuration_parameter_count():
    model = PONITA(in_channels=1, hidden_dim=128, out_channels=0, out_vector_channels=1, num_layers=5, num_ori=16,
                   in_vector_channels=1, basis_dim=256)
    assert abs(sum(p.numel() for p in model.parameters()) - 1.06e6) < 0.01e6


def test_chunked_path_trains_under_bfloat16_autocast():
    """Mixed precision: the memory-light backward gets float32 and bfloat16 tensors together."""
    model = _model(8, edge_chunk_size=7).float()
    pos, x, vec = (t.float() for t in _inputs())
    data = _batch(pos, x, vec)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        s, v = model(data)
        loss = s.float().square().sum() + v.float().square().sum()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
