"""Any dense backbone + the score heads gives GDSS-shaped, equivariant, symmetric, masked outputs."""

import functools

import torch

from geogen.nn.graph_heads import EdgeScoreHead, NodeScoreHead
from geogen.nn.sheaf import OrthogonalSheaf, SheafDenseBackbone


def _backbone():
    return SheafDenseBackbone(in_channels=4, out_channels=8, hidden_channels=4, num_layers=2,
                              sheaf=functools.partial(OrthogonalSheaf, stalk_dim=3), cond_channels=16)


def _inputs():
    generator = torch.Generator().manual_seed(0)
    mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    x = torch.randn(2, 6, 4, generator=generator, dtype=torch.float64) * mask.unsqueeze(-1)
    a = torch.randn(2, 6, 6, generator=generator, dtype=torch.float64).triu(1)
    adj = (a + a.transpose(1, 2)) * mask.unsqueeze(1) * mask.unsqueeze(2)
    return x, adj, mask, torch.tensor([0.3, 0.7], dtype=torch.float64)


def test_heads_are_permutation_equivariant_symmetric_and_masked():
    torch.manual_seed(0)
    node = NodeScoreHead(backbone=_backbone(), hidden_dim=8, num_features=4).double().eval()
    edge = EdgeScoreHead(backbone=_backbone(), hidden_dim=8).double().eval()
    x, adj, mask, t = _inputs()
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    with torch.no_grad():
        out_x, out_adj = node(x, adj, mask, t), edge(x, adj, mask, t)
        px, padj, pmask = x[:, perm], adj[:, perm][:, :, perm], mask[:, perm]
        torch.testing.assert_close(node(px, padj, pmask, t), out_x[:, perm], atol=1e-10, rtol=1e-8)
        torch.testing.assert_close(edge(px, padj, pmask, t), out_adj[:, perm][:, :, perm],
                                   atol=1e-10, rtol=1e-8)
    assert torch.equal(out_adj, out_adj.transpose(1, 2))
    assert torch.all(torch.diagonal(out_adj, dim1=1, dim2=2) == 0)
    assert torch.all(out_adj[~mask] == 0) and torch.all(out_x[~mask] == 0)


def test_time_conditions_the_output():
    torch.manual_seed(0)
    node = NodeScoreHead(backbone=_backbone(), hidden_dim=8, num_features=4).double().eval()
    x, adj, mask, t = _inputs()
    with torch.no_grad():
        assert not torch.allclose(node(x, adj, mask, t), node(x, adj, mask, t + 0.2))
