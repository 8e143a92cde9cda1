"""The dense sheaf backbone (permutation equivariance, masking) and the continuous-time NSD."""

import functools

import pytest
import torch

from geogen.nn.sheaf import (ContinuousSheafDiffusion, DiagonalSheaf, GeneralSheaf, OrthogonalSheaf,
                             SheafDenseBackbone, SheafGraph)


def _batch(batch_size=3, n=6, features=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch_size, n, features, generator=g, dtype=torch.float64)
    adj = torch.randn(batch_size, n, n, generator=g, dtype=torch.float64)
    adj = adj + adj.transpose(1, 2)
    mask = torch.ones(batch_size, n, dtype=torch.bool)
    mask[0, 4:] = False
    mask[2, 5:] = False
    return x, adj, mask


@pytest.mark.parametrize("sheaf", [functools.partial(OrthogonalSheaf, stalk_dim=3, low_pass=True),
                                   functools.partial(DiagonalSheaf, stalk_dim=2),
                                   functools.partial(GeneralSheaf, stalk_dim=2)])
def test_dense_backbone_is_permutation_equivariant(sheaf):
    torch.manual_seed(0)
    model = SheafDenseBackbone(in_channels=4, out_channels=5, hidden_channels=3, num_layers=2, sheaf=sheaf,
                               cond_channels=2).double().eval()
    x, adj, mask = _batch()
    cond = torch.randn(3, 2, dtype=torch.float64)
    out = model(x, adj, mask, cond)
    assert out.shape == (3, 6, 5)
    assert bool((out[~mask] == 0).all())
    perm = torch.randperm(6)
    out_perm = model(x[:, perm], adj[:, perm][:, :, perm], mask[:, perm], cond)
    assert torch.allclose(out[:, perm], out_perm, atol=1e-10)


def test_dense_backbone_ignores_padding_and_uses_adjacency():
    torch.manual_seed(0)
    model = SheafDenseBackbone(in_channels=4, out_channels=2, hidden_channels=3, num_layers=2,
                               sheaf=functools.partial(DiagonalSheaf, stalk_dim=2)).double().eval()
    x, adj, mask = _batch()
    out = model(x, adj, mask)
    x2, adj2 = x.clone(), adj.clone()
    x2[0, 4:] = 100.0
    adj2[0, 4:, :] = 7.0
    assert torch.allclose(model(x2, adj2, mask)[0], out[0], atol=1e-12)
    adj3 = adj.clone()
    adj3[1, 0, 1] = adj3[1, 1, 0] = 5.0
    assert not torch.allclose(model(x, adj3, mask)[1], out[1])


def test_continuous_nsd_runs_and_backpropagates():
    torch.manual_seed(0)
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    model = ContinuousSheafDiffusion(in_channels=3, out_channels=2, hidden_channels=4,
                                     sheaf=functools.partial(OrthogonalSheaf, stalk_dim=2), method="rk4")
    graph = model.prepare_graph(edge_index, 4)
    assert isinstance(graph, SheafGraph)
    out = model(torch.randn(4, 3), graph)
    assert out.shape == (4, 2)
    out.sum().backward()
    sheaf, other = model.grouped_parameters()
    assert all(p.grad is not None for p in sheaf + other)
