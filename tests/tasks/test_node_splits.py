"""Every nsd_* experiment config composes and instantiates; a tiny run writes metrics.json."""

import json

import pytest
from hydra.utils import instantiate

from geogen.cli.config import available_experiments, compose_config
from geogen.tasks.node_splits import NodeSplitsTask

NSD = [name for name in available_experiments() if name.startswith("nsd_")]


def test_there_are_nsd_experiments():
    assert {"nsd_texas", "nsd_wisconsin", "nsd_cornell", "nsd_film", "nsd_chameleon", "nsd_squirrel"} <= set(NSD)


@pytest.mark.parametrize("name", NSD)
def test_config_instantiates(name):
    cfg = compose_config("train", [f"experiment={name}"])
    assert cfg.experiment_name == name
    task = instantiate(cfg.task, _convert_="partial")
    assert isinstance(task, NodeSplitsTask)
    model = task.method.model_factory(in_channels=8, out_channels=3)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize("variant", ["orthogonal", pytest.param("diag", marks=pytest.mark.slow),
                                     pytest.param("general", marks=pytest.mark.slow)])
def test_fast_dev_run_writes_metrics(mirror, tmp_path, variant):
    cfg = compose_config("train", ["experiment=nsd_texas", f"sheaf@task.method.model.sheaf={variant}",
                                   "task.splits=[0,1]", "task.method.max_epochs=3",
                                   "task.method.model.hidden_channels=4", "task.method.model.num_layers=2"])
    task = instantiate(cfg.task, _convert_="partial")
    task.run(run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("test_acc_mean", "test_acc_std", "val_acc_mean", "test_acc", "val_acc"):
        assert key in metrics
    assert len(metrics["test_acc"]) == 2 and 0.0 <= metrics["test_acc_mean"] <= 100.0
    assert metrics["epochs"] == [3, 3]
