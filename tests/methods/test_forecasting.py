"""Forecasting method and the ponita_nbody experiments: configs instantiate, fast_dev_run trains."""

import pytest
import torch
from hydra.utils import instantiate

from geogen.cli.config import compose_config
from geogen.methods.forecasting import ForecastingModule, constant_velocity_mse
from geogen.nn.ponita import PONITA


def test_forecast_is_position_plus_displacement_and_loss_decreases():
    from torch_geometric.data import Batch, Data

    torch.manual_seed(0)
    graphs = [Data(pos=torch.randn(5, 3), x=torch.ones(5, 1), vec=torch.randn(5, 1, 3)) for _ in range(4)]
    for g in graphs:
        g.y = g.pos + g.vec[:, 0]  # constant-velocity targets: learnable exactly
    batch = Batch.from_data_list(graphs)
    model = PONITA(in_channels=1, hidden_dim=16, out_channels=0, out_vector_channels=1, num_layers=2, num_ori=8,
                   in_vector_channels=1)
    method = ForecastingModule(model=model, lr=3e-3)
    assert method(batch).shape == (20, 3)
    optimizer = method.configure_optimizers()
    losses = []
    for _ in range(40):
        loss = method._mse(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert constant_velocity_mse(batch.pos, batch.vec[:, 0], batch.y, 1.0) < 1e-12


@pytest.mark.parametrize("experiment", ["ponita_nbody", "ponita_nbody_cpu"])
def test_experiment_fast_dev_run(experiment, tmp_path):
    overrides = [f"experiment={experiment}", f"+task.datamodule.root={tmp_path}", "task.datamodule.num_train=4",
                 "task.datamodule.num_val=2", "task.datamodule.num_test=2", "task.datamodule.batch_size=2",
                 "+task.trainer.fast_dev_run=true"]
    cfg = compose_config("train", overrides)
    with open_dict(cfg):
        del cfg["hydra"]
    task = instantiate(cfg.task, _convert_="partial")
    assert isinstance(task.method, ForecastingModule)
    if experiment == "ponita_nbody":
        model = task.method.model
        assert model.geometry.num_orientations == 20  # the official main_nbody.py default
        assert task.method.max_epochs == 0  # constant learning rate, as the official run
        assert abs(sum(p.numel() for p in model.parameters()) - 1.06e6) < 0.01e6
    if experiment == "ponita_nbody_cpu":
        assert task.method.max_epochs == cfg.task.trainer.max_epochs  # cosine over the run
    task.run(run_dir=tmp_path / "run")


def open_dict(cfg):
    from omegaconf import open_dict as _open_dict

    return _open_dict(cfg)
