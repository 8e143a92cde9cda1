"""GDSS score networks: official weights give the official outputs; permutation equivariance."""

import math

import pytest
import torch
import torch.nn.functional as F

from geogen.nn.gdss import ScoreNetworkA, ScoreNetworkX, ScoreNetworkXGMH
from geogen.nn.gdss.official import build_official_networks, read_official_checkpoint

CHECKPOINTS = ["qm9", "community_small", "zinc250k_v2"]


# ---- a literal, loop-per-channel statement of the official forward, on the raw state dict ----
def _gcn(state, prefix, x, adj):
    adj = adj.clone()
    idx = torch.arange(adj.shape[-1])
    adj[:, idx, idx] = 1.0
    d = adj.sum(-1).clamp(min=1).pow(-0.5)
    adj = d.unsqueeze(-1) * adj * d.unsqueeze(-2)
    return adj @ (x @ state[prefix + ".weight"]) + state[prefix + ".bias"]


def _mlp(state, prefix, x):
    layers = sorted({int(k[len(prefix) + 9:].split(".")[0]) for k in state if k.startswith(prefix + ".linears.")})
    for i in layers:
        x = F.linear(x, state[f"{prefix}.linears.{i}.weight"], state[f"{prefix}.linears.{i}.bias"])
        if i != layers[-1]:
            x = F.elu(x)
    return x


def _mask_adj(adj, flags):
    f = flags.float()
    if adj.dim() == 4:
        f = f.unsqueeze(1)
    return adj * f.unsqueeze(-1) * f.unsqueeze(-2)


def _attention_layer(state, prefix, x, adj, flags, num_heads, out_dim):
    channels = adj.shape[1]
    xs, attns = [], []
    for c in range(channels):
        p = f"{prefix}.attn.{c}"
        q, k = _gcn(state, p + ".gnn_q", x, adj[:, c]), _gcn(state, p + ".gnn_k", x, adj[:, c])
        v = _gcn(state, p + ".gnn_v", x, adj[:, c])
        split = q.shape[-1] // num_heads
        heads = [torch.tanh(qh @ kh.transpose(1, 2) / math.sqrt(out_dim))
                 for qh, kh in zip(q.split(split, -1), k.split(split, -1))]
        a = torch.stack(heads).mean(0)
        attns.append(((a + a.transpose(-1, -2)) / 2).unsqueeze(-1))
        xs.append(v)
    x_out = torch.tanh(_mlp(state, prefix + ".multi_channel", torch.cat(xs, -1)) * flags.float().unsqueeze(-1))
    e = _mlp(state, prefix + ".mlp", torch.cat([torch.cat(attns, -1), adj.permute(0, 2, 3, 1)], -1))
    e = e.permute(0, 3, 1, 2)
    return x_out, _mask_adj(e + e.transpose(-1, -2), flags)


def _powers(adj, k):
    out, cur = [adj], adj
    for _ in range(k - 1):
        cur = cur @ adj
        out.append(cur)
    return torch.stack(out, 1)


def reference_x(state, params, x, adj, flags):
    if params["model_type"] == "ScoreNetworkX":
        hs = [x]
        for i in range(params["depth"]):
            x = torch.tanh(_gcn(state, f"layers.{i}", x, adj))
            hs.append(x)
    else:
        hs, a = [x], _powers(adj, params["c_init"])
        for i in range(params["depth"]):
            x, a = _attention_layer(state, f"layers.{i}", x, a, flags, params["num_heads"], params["nhid"])
            x = torch.tanh(x)
            hs.append(x)
    return _mlp(state, "final", torch.cat(hs, -1)) * flags.float().unsqueeze(-1)


def reference_adj(state, params, x, adj, flags):
    a = _powers(adj, params["c_init"])
    collected = [a]
    for i in range(params["num_layers"]):
        x, a = _attention_layer(state, f"layers.{i}", x, a, flags, params["num_heads"], params["nhid"])
        collected.append(a)
    score = _mlp(state, "final", torch.cat(collected, 1).permute(0, 2, 3, 1)).squeeze(-1)
    n = score.shape[-1]
    return _mask_adj(score * (1 - torch.eye(n)), flags)


def _random_graph_batch(batch, nodes, features, generator):
    flags = torch.rand(batch, nodes, generator=generator) < 0.8
    flags[:, 0] = True
    x = torch.randn(batch, nodes, features, generator=generator, dtype=torch.float64) * flags.unsqueeze(-1)
    a = torch.randn(batch, nodes, nodes, generator=generator, dtype=torch.float64).triu(1)
    adj = _mask_adj(a + a.transpose(-1, -2), flags)
    return x, adj, flags


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_official_weights_reproduce_official_forward(name, shared_reference):
    checkpoint = read_official_checkpoint(shared_reference / "gdss_checkpoints" / f"gdss_{name}.pth")
    net_x, net_adj = build_official_networks(checkpoint)
    net_x, net_adj = net_x.double(), net_adj.double()
    generator = torch.Generator().manual_seed(0)
    nodes = min(checkpoint.params_adj["max_node_num"], 12)
    x, adj, flags = _random_graph_batch(4, nodes, checkpoint.params_x["max_feat_num"], generator)
    sx = {k: v.double() for k, v in checkpoint.x_state_dict.items()}
    sa = {k: v.double() for k, v in checkpoint.adj_state_dict.items()}
    with torch.no_grad():
        torch.testing.assert_close(net_x(x, adj, flags), reference_x(sx, checkpoint.params_x, x, adj, flags),
                                   atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(net_adj(x, adj, flags),
                                   reference_adj(sa, checkpoint.params_adj, x, adj, flags), atol=1e-6, rtol=1e-6)


def _small_networks():
    torch.manual_seed(0)
    return [
        ScoreNetworkX(num_features=4, depth=2, hidden_dim=8),
        ScoreNetworkXGMH(num_features=4, depth=2, hidden_dim=8, num_linears=2, c_init=2, c_hid=4,
                         c_final=2, attn_dim=8, num_heads=2),
        ScoreNetworkA(num_features=4, hidden_dim=8, attn_dim=8, num_layers=3, num_linears=2, c_init=2,
                      c_hid=4, c_final=2, num_heads=2),
    ]


@pytest.mark.parametrize("index", range(3))
def test_score_networks_are_permutation_equivariant(index):
    net = _small_networks()[index].double()
    generator = torch.Generator().manual_seed(1)
    x, adj, flags = _random_graph_batch(3, 7, 4, generator)
    perm = torch.randperm(7, generator=generator)
    with torch.no_grad():
        out = net(x, adj, flags)
        out_perm = net(x[:, perm], adj[:, perm][:, :, perm], flags[:, perm])
    expected = out[:, perm] if out.dim() == 3 and out.shape[-1] == 4 else out[:, perm][:, :, perm]
    torch.testing.assert_close(out_perm, expected, atol=1e-12, rtol=1e-10)


def test_adjacency_score_is_symmetric_and_masked():
    net = _small_networks()[2].double()
    x, adj, flags = _random_graph_batch(3, 7, 4, torch.Generator().manual_seed(2))
    with torch.no_grad():
        score = net(x, adj, flags)
    assert torch.equal(score, score.transpose(1, 2))
    assert torch.all(torch.diagonal(score, dim1=1, dim2=2) == 0)
    assert torch.all(score[~flags] == 0)
