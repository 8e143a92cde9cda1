"""PonitaDenoiser: equivariant position head, invariant feature head, time conditioning."""

import torch

from geogen.data.states import PointCloud, Trajectory
from geogen.nn.ponita import PonitaDenoiser


def _rotation():
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64))
    return q * torch.sign(torch.det(q))


def _denoiser(**kwargs):
    torch.manual_seed(0)
    return PonitaDenoiser(feature_dim=4, hidden_dim=16, num_layers=2, num_ori=0, time_dim=8, **kwargs).double()


def test_point_cloud_denoiser_equivariance_and_zero_mean():
    g = torch.Generator().manual_seed(0)
    batch = torch.tensor([0] * 5 + [1] * 4)
    h, pos = torch.randn(9, 4, generator=g, dtype=torch.float64), torch.randn(9, 3, generator=g, dtype=torch.float64)
    t = torch.tensor([0.1, 0.7], dtype=torch.float64)
    model = _denoiser()
    eps, h_out = model(PointCloud(h=h, pos=pos, batch=batch, num_graphs=2), t)
    rot = _rotation()
    eps_r, h_r = model(PointCloud(h=h, pos=pos @ rot.T + 1.0, batch=batch, num_graphs=2), t)
    assert eps.shape == (9, 3) and h_out.shape == (9, 4)
    assert torch.allclose(eps_r, eps @ rot.T, atol=1e-10) and torch.allclose(h_r, h_out, atol=1e-10)
    assert torch.allclose(eps[:5].mean(0), torch.zeros(3, dtype=torch.float64), atol=1e-12)
    eps_t, _ = model(PointCloud(h=h, pos=pos, batch=batch, num_graphs=2), t.flip(0))
    assert not torch.allclose(eps_t, eps)  # the time reaches the network


def test_trajectory_denoiser_shapes_and_equivariance():
    g = torch.Generator().manual_seed(1)
    batch = torch.tensor([0] * 5)
    h, pos = torch.randn(5, 4, generator=g, dtype=torch.float64), torch.randn(5, 6, 3, generator=g, dtype=torch.float64)
    model = _denoiser(num_frames=6, context_vector_channels=2)
    context = torch.randn(5, 2, 3, generator=g, dtype=torch.float64)
    t = torch.tensor([0.3], dtype=torch.float64)
    out = model(Trajectory(h=h, pos=pos, batch=batch, num_graphs=1), t, context=context)
    rot = _rotation()
    out_r = model(Trajectory(h=h, pos=pos @ rot.T, batch=batch, num_graphs=1), t, context=context @ rot.T)
    assert out.pos.shape == (5, 6, 3)
    assert torch.allclose(out_r.pos, out.pos @ rot.T, atol=1e-10)
