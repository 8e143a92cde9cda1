"""Noise spaces, asserted exactly, and masked entries through whole sampling runs."""

import pytest
import torch

from geogen.data.states import DenseGraph, PointCloud, Trajectory
from geogen.diffusion import (
    DPMSolverPP,
    FreeSpace,
    JointSDE,
    Langevin,
    MaskedNodeSpace,
    PCSampler,
    ReverseDiffusion,
    S4Sampler,
    SymmetricAdjacencySpace,
    VESDE,
    VPSDE,
    ZeroCoMSpace,
)


def _graph(channels: int | None = None, dtype=torch.float32) -> DenseGraph:
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], dtype=torch.bool)
    adj_shape = (3, 5, 5) if channels is None else (3, 5, 5, channels)
    return DenseGraph(x=torch.zeros(3, 5, 4, dtype=dtype), adj=torch.zeros(adj_shape, dtype=dtype),
                      mask=mask)


def _assert_graph_layout(state: DenseGraph) -> None:
    padded = ~state.mask
    assert torch.all(state.x[padded] == 0)
    adj = state.adj
    assert torch.equal(adj, adj.transpose(1, 2))
    assert torch.all(torch.diagonal(adj, dim1=1, dim2=2) == 0)
    assert torch.all(adj[padded] == 0)  # rows of padded nodes
    assert torch.all(adj.transpose(1, 2)[padded] == 0)  # columns of padded nodes


@pytest.mark.parametrize("channels", [None, 3])
def test_adjacency_noise_is_symmetric_masked_and_standard(channels):
    state = _graph(channels).replace(adj=torch.zeros((3, 5, 5) if channels is None
                                                     else (3, 5, 5, channels)))
    bound = SymmetricAdjacencySpace().bind(state, "adj")
    noise = bound.noise(torch.Generator().manual_seed(0))
    _assert_graph_layout(state.replace(adj=noise))
    big = DenseGraph(x=torch.zeros(2000, 6, 1), adj=torch.zeros(2000, 6, 6),
                     mask=torch.ones(2000, 6, dtype=torch.bool))
    entries = SymmetricAdjacencySpace().noise(big, "adj", torch.Generator().manual_seed(1))
    assert abs(entries[:, 0, 1:].std().item() - 1) < 0.03  # off-diagonal entries are N(0, 1)


def test_node_noise_and_projection_are_masked():
    state = _graph()
    space = MaskedNodeSpace().bind(state, "x")
    assert torch.all(space.noise()[~state.mask] == 0)
    projected = space.project(torch.ones(3, 5, 4))
    assert torch.equal(projected, state.node_mask.expand(-1, -1, 4))


def test_symmetric_projection_is_orthogonal():
    state = _graph()
    bound = SymmetricAdjacencySpace().bind(state, "adj")
    value = torch.randn(3, 5, 5, dtype=torch.float64)
    once = bound.project(value.float()).double()
    assert torch.allclose(bound.project(once.float()).double(), once)  # idempotent
    assert torch.allclose((value.float() - bound.project(value.float())).mul(once.float()).sum(),
                          torch.tensor(0.0), atol=1e-5)  # residual orthogonal to the space


def test_point_cloud_noise_has_zero_centre_of_mass():
    batch = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2])
    cloud = PointCloud(h=torch.zeros(9, 2), pos=torch.zeros(9, 3, dtype=torch.float64),
                       batch=batch, num_graphs=3)
    noise = ZeroCoMSpace().noise(cloud, "pos", torch.Generator().manual_seed(0))
    com = torch.zeros(3, 3, dtype=torch.float64).index_add_(0, batch, noise)
    assert com.abs().max() < 1e-14
    assert noise.abs().min() > 0


@pytest.mark.parametrize("per_frame", [False, True])
def test_trajectory_noise_centre_of_mass(per_frame):
    batch = torch.tensor([0, 0, 1, 1, 1])
    traj = Trajectory(h=torch.zeros(5, 1), pos=torch.zeros(5, 4, 3, dtype=torch.float64),
                      batch=batch, num_graphs=2)
    noise = ZeroCoMSpace(per_frame=per_frame).noise(traj, "pos")
    per_graph = torch.zeros(2, 4, 3, dtype=torch.float64).index_add_(0, batch, noise)
    totals = per_graph if per_frame else per_graph.sum(1)
    assert totals.abs().max() < 1e-13


def test_free_space_norms_follow_the_batch_vector():
    batch = torch.tensor([0, 0, 1])
    cloud = PointCloud(h=torch.ones(3, 2), pos=torch.zeros(3, 3), batch=batch, num_graphs=2)
    norms = FreeSpace().bind(cloud, "h").sample_sq_norms(torch.ones(3, 2))
    assert norms.tolist() == [4.0, 2.0]


def _graph_score(state, t):
    # Deliberately non-zero on padded entries and non-symmetric: the samplers must project.
    return {"x": -state.x + 1.0, "adj": -state.adj + torch.arange(5.0).view(1, 5, 1)}


SAMPLERS = {
    "pc": lambda p: PCSampler(p, predictor=ReverseDiffusion(),
                              corrector=Langevin(snr=0.2, scale_eps=0.7), num_steps=50),
    "s4": lambda p: S4Sampler(p, snr=0.2, scale_eps=0.7, num_steps=50),
    "dpm_solver_pp": lambda p: DPMSolverPP(p, num_steps=10),
}


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_masked_entries_stay_exactly_zero(sampler):
    process = JointSDE(sdes={"x": VPSDE(beta_min=0.1, beta_max=1.0, num_scales=50),
                             "adj": VESDE(sigma_min=0.2, sigma_max=1.0, num_scales=50)},
                       spaces={"x": MaskedNodeSpace(), "adj": SymmetricAdjacencySpace()})
    result = SAMPLERS[sampler](process).sample(_graph_score, _graph(), generator=0)
    _assert_graph_layout(result.state)
    assert result.state.x[result.state.mask].abs().min() > 0


def test_perturb_respects_spaces():
    process = JointSDE(sdes={"x": VESDE(0.1, 1.0), "adj": VESDE(0.1, 1.0)},
                       spaces={"x": MaskedNodeSpace(), "adj": SymmetricAdjacencySpace()})
    clean = _graph().replace(x=torch.ones(3, 5, 4))
    clean = clean.replace(x=clean.x * clean.node_mask)
    noisy = process.perturb(clean, torch.full((3,), 0.5), torch.Generator().manual_seed(0))
    _assert_graph_layout(noisy.state)
    sigma = noisy.sigma["x"]
    assert torch.allclose(noisy.state.x, clean.x + sigma * noisy.noise["x"])
