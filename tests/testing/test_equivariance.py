"""assert_equivariant accepts equivariant functions and rejects broken ones."""

import pytest
import torch

from geogen.testing import (
    INVARIANT,
    assert_equivariant,
    node_indices,
    nodes,
    pairs,
    positions,
    vectors,
)


def _dense_gcn(x, adj):
    weight = torch.linspace(-1, 1, x.shape[-1] * 5, dtype=x.dtype).view(x.shape[-1], 5)
    return torch.tanh(adj @ x @ weight), adj @ adj  # [B, N, 5], [B, N, N]


def test_dense_node_and_pair_outputs():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 3, generator=generator)
    adj = torch.rand(2, 6, 6, generator=generator)
    adj = adj + adj.transpose(1, 2)
    result = assert_equivariant(_dense_gcn, [x, adj], [nodes(1), pairs((1, 2))],
                                [nodes(1), pairs((1, 2))])
    assert result.errors["permutation"] < 1e-12


def test_rejects_a_positional_function():
    x = torch.randn(7, 3)

    def positional(x):
        return x + torch.arange(x.shape[0], dtype=x.dtype)[:, None]

    with pytest.raises(AssertionError, match="permutation"):
        assert_equivariant(positional, [x], [nodes()], nodes())


def _egnn_like(h, pos):
    rel = pos[:, None, :] - pos[None, :, :]  # [N, N, 3]
    dist = rel.square().sum(-1, keepdim=True)  # [N, N, 1]
    weight = torch.exp(-dist) * (h[:, None, :1] + h[None, :, :1])  # [N, N, 1]
    return {"h": h * dist.sum(1), "pos": pos + (weight * rel).sum(1), "vel": (weight * rel).sum(1)}


def test_e3_equivariance_of_an_egnn_like_layer():
    generator = torch.Generator().manual_seed(0)
    inputs = {"h": torch.randn(5, 2, generator=generator),
              "pos": torch.randn(5, 3, generator=generator)}
    reps = {"h": nodes(), "pos": positions()}
    result = assert_equivariant(_egnn_like, inputs, reps,
                                {"h": nodes(), "pos": positions(), "vel": vectors()},
                                rotation=True, translation=True)
    assert set(result.errors) == {"permutation", "rotation", "translation",
                                  "permutation+rotation+translation"}
    assert max(result.errors.values()) < 1e-12


def test_rejects_a_fixed_direction():
    pos = torch.randn(4, 3)

    def biased(pos):
        return pos + torch.tensor([0.0, 0.0, 1.0], dtype=pos.dtype)

    assert_equivariant(biased, [pos], [positions()], positions(), translation=True)
    with pytest.raises(AssertionError, match="rotation"):
        assert_equivariant(biased, [pos], [positions()], positions(), rotation=True)


def test_edge_index_inputs_are_relabelled():
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    x = torch.randn(4, 2)

    def aggregate(x, edge_index):
        return torch.zeros_like(x).index_add_(0, edge_index[1], x[edge_index[0]]), x.sum()

    assert_equivariant(aggregate, [x, edge_index], [nodes(), node_indices()], [nodes(), INVARIANT])
