"""State containers: masks, time broadcasting, dtype/device moves and PyG round trips."""

import pytest
import torch

from geogen.data.states import DenseGraph, PointCloud, Trajectory


def _dense(channels: int | None = None) -> DenseGraph:
    generator = torch.Generator().manual_seed(0)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    shape = (2, 4, 4) if channels is None else (2, 4, 4, channels)
    adj = torch.randint(0, 2, shape, generator=generator).float()
    adj = torch.maximum(adj, adj.transpose(1, 2))
    pair = (mask[:, :, None] & mask[:, None, :]) & ~torch.eye(4, dtype=torch.bool)
    adj = adj * pair.view(*pair.shape, *([1] * (adj.dim() - 3)))
    x = torch.randn(2, 4, 3, generator=generator) * mask[..., None]
    return DenseGraph(x=x, adj=adj, mask=mask)


def test_dense_masks():
    graph = _dense()
    assert graph.num_nodes.tolist() == [3, 4]
    assert graph.node_mask.shape == (2, 4, 1)
    assert graph.node_mask[0, 3, 0] == 0 and graph.node_mask[1, 3, 0] == 1
    edge = graph.edge_mask
    assert torch.all(torch.diagonal(edge, dim1=1, dim2=2) == 0)
    assert torch.all(edge[0, 3] == 0) and torch.all(edge[0, :, 3] == 0)
    assert edge[1, 0, 3] == 1


def test_dense_rejects_inconsistent_shapes():
    with pytest.raises(ValueError):
        DenseGraph(x=torch.zeros(2, 4, 3), adj=torch.zeros(2, 5, 5),
                   mask=torch.ones(2, 4, dtype=torch.bool))


@pytest.mark.parametrize("channels", [None, 2])
def test_dense_broadcast_time(channels):
    graph = _dense(channels)
    t = torch.tensor([0.1, 0.9])
    times = graph.broadcast_time(t)
    assert (times["x"] * graph.x).shape == graph.x.shape
    assert (times["adj"] * graph.adj).shape == graph.adj.shape
    assert torch.all(times["adj"][1] == 0.9)


def test_flat_broadcast_time():
    batch = torch.tensor([0, 0, 1])
    cloud = PointCloud(h=torch.zeros(3, 2), pos=torch.zeros(3, 3), batch=batch, num_graphs=2)
    times = cloud.broadcast_time(torch.tensor([0.2, 0.7]))
    assert times["pos"].view(-1).tolist() == pytest.approx([0.2, 0.2, 0.7])
    traj = Trajectory(h=torch.zeros(3, 2), pos=torch.zeros(3, 5, 3), batch=batch, num_graphs=2)
    times = traj.broadcast_time(torch.tensor([0.2, 0.7]))
    assert (times["pos"] * traj.pos).shape == traj.pos.shape
    assert traj.num_frames == 5


def test_to_dtype_keeps_integer_and_bool_fields():
    graph = _dense().to(torch.float64)
    assert graph.x.dtype == torch.float64 and graph.adj.dtype == torch.float64
    assert graph.mask.dtype == torch.bool
    cloud = PointCloud(h=torch.zeros(3, 2), pos=torch.zeros(3, 3),
                       batch=torch.tensor([0, 0, 1]), num_graphs=2).to("cpu", torch.float64)
    assert cloud.pos.dtype == torch.float64 and cloud.batch.dtype == torch.long
    assert cloud.device == torch.device("cpu") and cloud.num_graphs == 2


@pytest.mark.parametrize("channels", [None, 2])
def test_dense_pyg_round_trip(channels):
    graph = _dense(channels)
    batch = graph.to_pyg()
    assert batch.num_graphs == 2 and batch.x.shape == (7, 3)
    back = DenseGraph.from_pyg(batch, max_num_nodes=4)
    assert torch.equal(back.mask, graph.mask)
    assert torch.allclose(back.x, graph.x)
    assert torch.allclose(back.adj, graph.adj)


def test_point_cloud_pyg_round_trip():
    generator = torch.Generator().manual_seed(0)
    cloud = PointCloud(h=torch.randn(5, 2, generator=generator),
                       pos=torch.randn(5, 3, generator=generator),
                       batch=torch.tensor([0, 0, 1, 1, 1]), num_graphs=2)
    back = PointCloud.from_pyg(cloud.to_pyg())
    assert back.num_graphs == 2
    assert torch.equal(back.h, cloud.h) and torch.equal(back.pos, cloud.pos)
    assert torch.equal(back.batch, cloud.batch)


def test_trajectory_to_pyg():
    traj = Trajectory(h=torch.randn(3, 2), pos=torch.randn(3, 4, 3),
                      batch=torch.tensor([0, 0, 1]), num_graphs=2)
    data = traj.to_pyg()
    assert torch.equal(data.pos, traj.pos) and torch.equal(data.x, traj.h)
    assert torch.equal(data.batch, traj.batch)


def test_trajectory_pyg_round_trip():
    traj = Trajectory(h=torch.randn(3, 2), pos=torch.randn(3, 4, 3),
                      batch=torch.tensor([0, 0, 1]), num_graphs=2)
    back = Trajectory.from_pyg(traj.to_pyg())
    assert torch.equal(back.pos, traj.pos) and back.num_graphs == 2
