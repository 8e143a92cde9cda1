"""GDSS method: loss, sampling through the shared samplers, checkpoints and the official converter."""

import pickle

import pytest
import torch

from geogen.cli.main import main
from geogen.data.states import DenseGraph
from geogen.diffusion import (
    DPMSolverPP,
    EpsParameterization,
    JointSDE,
    Langevin,
    MaskedNodeSpace,
    PCSampler,
    ReverseDiffusion,
    ScoreParameterization,
    SymmetricAdjacencySpace,
    VESDE,
    VPSDE,
)
from geogen.errors import GeogenError
from geogen.methods.checkpointing import load_method, save_geogen_checkpoint
from geogen.methods.gdss import GDSS, GDSSDenoiser
from geogen.methods.outputs import GraphOutput
from geogen.methods.size_buckets import BucketedDenoiser, size_buckets
from geogen.nn.gdss import ScoreNetworkA, ScoreNetworkX

TINY_CONFIG = {
    "_target_": "geogen.methods.gdss.GDSS",
    "denoiser": {"_target_": "geogen.methods.gdss.GDSSDenoiser",
                 "x_network": {"_target_": "geogen.nn.gdss.ScoreNetworkX", "num_features": 3,
                               "depth": 2, "hidden_dim": 8},
                 "adj_network": {"_target_": "geogen.nn.gdss.ScoreNetworkA", "num_features": 3,
                                 "hidden_dim": 8, "attn_dim": 8, "num_layers": 2, "num_linears": 2,
                                 "c_init": 2, "c_hid": 4, "c_final": 2, "num_heads": 2}},
    "process": {"_target_": "geogen.diffusion.JointSDE",
                "sdes": {"x": {"_target_": "geogen.diffusion.VPSDE", "beta_min": 0.1, "beta_max": 1.0,
                               "num_scales": 20},
                         "adj": {"_target_": "geogen.diffusion.VESDE", "sigma_min": 0.2,
                                 "sigma_max": 1.0, "num_scales": 20}},
                "spaces": {"x": {"_target_": "geogen.diffusion.MaskedNodeSpace"},
                           "adj": {"_target_": "geogen.diffusion.SymmetricAdjacencySpace"}}},
    "parameterizations": {"x": {"_target_": "geogen.diffusion.EpsParameterization"},
                          "adj": {"_target_": "geogen.diffusion.ScoreParameterization"}},
    "output": {"_target_": "geogen.methods.outputs.GraphOutput"},
    "sampler": {"_target_": "geogen.diffusion.PCSampler", "process": "${process}",
                "predictor": {"_target_": "geogen.diffusion.ReverseDiffusion"},
                "corrector": {"_target_": "geogen.diffusion.Langevin", "snr": 0.2, "scale_eps": 0.7}},
    "max_nodes": 6, "num_features": 3,
}


def tiny_gdss() -> GDSS:
    torch.manual_seed(0)
    process = JointSDE(sdes={"x": VPSDE(0.1, 1.0, 20), "adj": VESDE(0.2, 1.0, 20)},
                       spaces={"x": MaskedNodeSpace(), "adj": SymmetricAdjacencySpace()})
    denoiser = GDSSDenoiser(
        x_network=ScoreNetworkX(num_features=3, depth=2, hidden_dim=8),
        adj_network=ScoreNetworkA(num_features=3, hidden_dim=8, attn_dim=8, num_layers=2,
                                  num_linears=2, c_init=2, c_hid=4, c_final=2, num_heads=2))
    sampler = PCSampler(process, predictor=ReverseDiffusion(), corrector=Langevin(0.2, 0.7))
    method = GDSS(denoiser=denoiser, process=process,
                  parameterizations={"x": EpsParameterization(), "adj": ScoreParameterization()},
                  sampler=sampler, output=GraphOutput(), max_nodes=6, num_features=3)
    method.node_count_probs[3:] = torch.tensor([0.25, 0.25, 0.25, 0.25])
    return method


def tiny_batch() -> DenseGraph:
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    adj = torch.zeros(2, 6, 6)
    for b, n in ((0, 4), (1, 6)):
        for i in range(n - 1):
            adj[b, i, i + 1] = adj[b, i + 1, i] = 1.0
    x = torch.nn.functional.one_hot(adj.sum(-1).long().clamp(max=2), 3).float() * mask.unsqueeze(-1)
    return DenseGraph(x=x, adj=adj, mask=mask)


def test_loss_is_finite_positive_and_has_gradients():
    method = tiny_gdss()
    loss = method.loss(tiny_batch(), torch.Generator().manual_seed(0))
    assert loss.x > 0 and loss.adj > 0
    loss.total.backward()
    for name, parameter in method.denoiser.named_parameters():
        assert parameter.grad is not None, name


class OracleDenoiser(torch.nn.Module):
    """Knows x_0: returns the true noise for x (eps) and the true conditional score for adj."""

    def __init__(self, clean: DenseGraph, process: JointSDE) -> None:
        super().__init__()
        self.clean, self.process = clean, process

    def forward(self, state, t):
        times = state.broadcast_time(t)
        out = {}
        for name, sde in self.process.sdes.items():
            alpha, sigma = sde.alpha(times[name]), sde.sigma(times[name])
            noise = (getattr(state, name) - alpha * getattr(self.clean, name)) / sigma
            out[name] = noise if name == "x" else -noise / sigma
        return out


def test_loss_is_zero_for_a_perfect_denoiser():
    """The DSM loss vanishes exactly when the networks return the true noise / score."""
    method = tiny_gdss()
    batch = tiny_batch()
    method.denoiser = OracleDenoiser(batch, method.process)
    loss = method.loss(batch, torch.Generator().manual_seed(3))
    assert loss.x.item() == pytest.approx(0.0, abs=1e-9)
    assert loss.adj.item() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("sampler_kind", ["pc", "dpm"])
def test_sample_respects_masks_and_counts_nfe(sampler_kind):
    method = tiny_gdss()
    sampler = None if sampler_kind == "pc" else DPMSolverPP(method.process, num_steps=5)
    samples = method.sample(7, sampler=sampler, batch_size=4, seed=1)
    state = samples.state
    assert state.x.shape == (7, 6, 3) and state.adj.shape == (7, 6, 6)
    assert torch.all(state.x[~state.mask] == 0)
    assert torch.equal(state.adj, state.adj.transpose(1, 2))
    assert torch.all(state.adj[~state.mask] == 0)
    assert set(state.mask.sum(1).tolist()) <= {3, 4, 5, 6}
    assert samples.nfe == (40 if sampler_kind == "pc" else 5)


class _RecordingDenoiser:
    """Wraps a denoiser and records (graphs, padded size, largest graph) of every call."""

    def __init__(self, denoiser) -> None:
        self.denoiser, self.calls = denoiser, []

    def __call__(self, state, t):
        self.calls.append((state.batch_size, state.mask.size(1), int(state.mask.sum(1).max())))
        return self.denoiser(state, t)


def test_size_buckets_respect_the_pair_budget_largest_first():
    counts = torch.tensor([1, 6, 2, 2, 6, 1, 3])
    buckets = size_buckets(counts, max_pairs=40)
    assert sorted(torch.cat([b.index for b in buckets]).tolist()) == list(range(7))
    sizes = [b.num_nodes for b in buckets]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 6
    for bucket in buckets:
        assert int(counts[bucket.index].max()) == bucket.num_nodes
        assert len(bucket.index) == 1 or len(bucket.index) * bucket.num_nodes ** 2 <= 40
    assert len(size_buckets(counts, max_pairs=10**6)) == 1
    with pytest.raises(GeogenError, match="max_pairs"):
        size_buckets(counts, max_pairs=0)


def test_bucketed_denoiser_matches_one_padded_call():
    method = tiny_gdss().double()
    counts = torch.tensor([1, 6, 2, 2, 6, 3])
    template = method.template(0, counts=counts)
    generator = torch.Generator().manual_seed(0)
    state = method.process.prior_sample(DenseGraph(x=template.x.double(), adj=template.adj.double(),
                                                   mask=template.mask), generator)
    t = torch.rand(6, dtype=torch.float64, generator=generator)
    recorder = _RecordingDenoiser(method.denoiser)
    bucketed = BucketedDenoiser(recorder, max_pairs=40)(state, t)
    direct = method.denoiser(state, t)
    for name in ("x", "adj"):
        assert bucketed[name].shape == direct[name].shape
        torch.testing.assert_close(bucketed[name], direct[name], rtol=0, atol=1e-12)
    assert len(recorder.calls) > 1
    for graphs, padded, largest in recorder.calls:
        assert padded == largest and (graphs == 1 or graphs * padded * padded <= 40)


def test_bucketed_denoiser_rejects_nodes_that_are_not_first():
    method = tiny_gdss()
    state = method.template(0, counts=torch.tensor([2, 3]))
    shuffled = DenseGraph(x=state.x, adj=state.adj, mask=state.mask.flip(1))
    with pytest.raises(GeogenError, match="nodes first"):
        BucketedDenoiser(method.denoiser, max_pairs=4)(shuffled, torch.ones(2))


def test_size_bucketed_sampling_gives_the_unbucketed_samples():
    """Buckets change only how the networks are called: the PC sampler's batch-coupled
    Langevin step size and the noise are those of the padded batch."""
    method = tiny_gdss()
    method.node_count_probs.zero_()
    method.node_count_probs[[1, 2, 6]] = torch.tensor([0.4, 0.4, 0.2])
    sampler = PCSampler(method.process, corrector=Langevin(snr=0.2, scale_eps=0.7), num_steps=6)
    plain = method.sample(9, sampler=sampler, batch_size=4, seed=2)
    padded_sizes = []
    method.denoiser.register_forward_pre_hook(lambda module, args: padded_sizes.append(args[0].mask.size(1)))
    bucketed = method.sample(9, sampler=sampler, batch_size=4, seed=2, max_pairs=40)
    assert min(padded_sizes) < 6  # the networks did run in buckets
    assert bucketed.nfe == plain.nfe == 12
    assert torch.equal(bucketed.state.mask, plain.state.mask)
    torch.testing.assert_close(bucketed.state.adj, plain.state.adj, rtol=0, atol=2e-5)
    torch.testing.assert_close(bucketed.state.x, plain.state.x, rtol=0, atol=2e-5)


def test_bucketed_denoiser_places_edge_channels_and_cuts_a_single_bucket():
    """Outputs with trailing channels ([B, N, N, C]) go back to their graphs' blocks, and one
    bucket smaller than the padding is still cut to its largest graph."""

    def denoiser(state, t):  # masked, and depends on each graph's own block only
        n = state.mask.sum(1).to(state.x.dtype)
        return {"x": (state.x * t[:, None, None] + n[:, None, None]) * state.mask.unsqueeze(-1),
                "adj": (state.adj * n[:, None, None]).unsqueeze(-1).repeat(1, 1, 1, 2)}

    counts = torch.tensor([3, 1, 2])
    mask = torch.arange(5) < counts.unsqueeze(1)
    x = torch.randn(3, 5, 4) * mask.unsqueeze(-1)
    adj = torch.randn(3, 5, 5) * (mask.unsqueeze(1) & mask.unsqueeze(2))
    state, t = DenseGraph(x=x, adj=adj, mask=mask), torch.rand(3)
    recorder = _RecordingDenoiser(denoiser)
    out = BucketedDenoiser(recorder, max_pairs=1000)(state, t)
    assert recorder.calls == [(3, 3, 3)]
    expected = denoiser(state, t)
    assert out["adj"].shape == (3, 5, 5, 2)
    torch.testing.assert_close(out["adj"], expected["adj"])
    torch.testing.assert_close(out["x"], expected["x"])
    with pytest.raises(GeogenError, match="'h'"):
        BucketedDenoiser(lambda s, t: {"h": s.x}, max_pairs=1000)(state, t)


def test_max_pairs_must_be_positive():
    with pytest.raises(GeogenError, match="max_pairs"):
        tiny_gdss().sample(2, max_pairs=0)


def test_checkpoint_round_trip_and_cli_sample(tmp_path, capsys):
    method = tiny_gdss()
    path = tmp_path / "tiny.ckpt"
    save_geogen_checkpoint(method, TINY_CONFIG, path)
    loaded = load_method(path)
    for key, value in method.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    out = tmp_path / "graphs.pkl"
    assert main(["sample", str(path), "-n", "5", "--out", str(out), "--sampler", "dpm", "--steps", "4"]) == 0
    graphs = pickle.loads(out.read_bytes())
    assert len(graphs) == 5
    summary = (tmp_path / "graphs.pkl.json").read_text()
    assert '"nfe": 4' in summary and '"num_samples": 5' in summary
    bucketed = tmp_path / "bucketed.pkl"
    assert main(["sample", str(path), "-n", "5", "--out", str(bucketed), "--sampler", "dpm", "--steps", "2",
                 "--batch-size", "2", "--max-pairs", "30"]) == 0
    assert len(pickle.loads(bucketed.read_bytes())) == 5  # (isolated nodes are dropped: sizes are not the counts)
    assert '"max_pairs": 30' in (tmp_path / "bucketed.pkl.json").read_text()


def test_sample_rejects_corrupt_and_foreign_checkpoints(tmp_path, capsys, shared_reference):
    corrupt = tmp_path / "broken.ckpt"
    corrupt.write_bytes(b"\x00\x01 not a checkpoint")
    out = tmp_path / "mols.smi"
    assert main(["sample", str(corrupt), "-n", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a valid PyTorch checkpoint" in err
    official = shared_reference / "gdss_checkpoints" / "gdss_qm9.pth"
    assert main(["sample", str(official), "-n", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "geogen convert gdss-official" in err and len(err.splitlines()) == 1
    foreign = tmp_path / "lightning_other.ckpt"
    torch.save({"state_dict": {}, "geogen": {"version": "0", "method_config": {
        "_target_": "some.other.Method"}}}, foreign)
    assert main(["sample", str(foreign), "-n", "2", "--out", str(out)]) == 2
    assert "cannot build" in capsys.readouterr().err
    assert not out.exists()


def test_wrong_output_suffix_is_one_clear_error(tmp_path, capsys):
    path = tmp_path / "tiny.ckpt"
    save_geogen_checkpoint(tiny_gdss(), TINY_CONFIG, path)
    assert main(["sample", str(path), "-n", "2", "--out", str(tmp_path / "graphs.sdf")]) == 2
    assert "'.sdf'" in capsys.readouterr().err
    assert not (tmp_path / "graphs.sdf").exists()


def test_convert_official_graph_checkpoint_gives_identical_networks(tmp_path, shared_reference, mirror):
    from geogen.nn.gdss.official import build_official_networks, read_official_checkpoint

    source = shared_reference / "gdss_checkpoints" / "gdss_community_small.pth"
    out = tmp_path / "community.ckpt"
    assert main(["convert", "gdss-official", str(source), "--out", str(out)]) == 0
    method = load_method(out, use_ema=False)
    official_x, official_adj = build_official_networks(read_official_checkpoint(source))
    generator = torch.Generator().manual_seed(0)
    mask = torch.rand(3, 20, generator=generator) < 0.7
    x = torch.randn(3, 20, 10, generator=generator) * mask.unsqueeze(-1)
    a = torch.randn(3, 20, 20, generator=generator).triu(1)
    adj = (a + a.transpose(1, 2)) * mask.unsqueeze(1) * mask.unsqueeze(2)
    with torch.no_grad():
        torch.testing.assert_close(method.denoiser.x_network(x, adj, mask), official_x(x, adj, mask),
                                   atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(method.denoiser.adj_network(x, adj, mask),
                                   official_adj(x, adj, mask), atol=1e-6, rtol=1e-6)
    assert abs(float(method.node_count_probs.sum()) - 1.0) < 1e-6
