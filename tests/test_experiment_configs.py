"""Every experiment config composes, and every GDSS method config instantiates."""

import pytest
from hydra.utils import instantiate

from geogen.cli.config import available_experiments, compose_config

EXPERIMENTS = available_experiments()


def test_there_are_experiments():
    assert {"gdss_qm9", "gdss_zinc250k", "gdss_community_small", "gdss_ego_small", "gdss_enzymes",
            "gdss_grid"} <= set(EXPERIMENTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_composes(name):
    cfg = compose_config("train", [f"experiment={name}"])
    assert cfg.experiment_name == name
    assert "_target_" in cfg.task


@pytest.mark.parametrize("name", [e for e in EXPERIMENTS if e.startswith("gdss_")])
def test_gdss_method_instantiates(name):
    cfg = compose_config("train", [f"experiment={name}"])
    method = instantiate(cfg.task.method, _convert_="partial")
    assert method.max_nodes == cfg.task.method.max_nodes
    assert sum(p.numel() for p in method.parameters()) > 1000
    assert method.sampler.process is not None
