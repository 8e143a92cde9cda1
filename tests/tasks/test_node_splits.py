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


def _run(splits, test, dataset="texas"):
    from geogen.methods.node_classification import SplitResult
    from geogen.tasks.node_splits import _summarise

    results = [SplitResult(split=s, test_acc=t / 100, val_acc=0.5, best_epoch=3, epochs=10, seconds=1.0)
               for s, t in zip(splits, test)]
    return _summarise(dataset, results, seconds=float(len(splits)), complete=False)


def test_merged_runs_equal_one_run_over_all_splits():
    from geogen.tasks.node_splits import merge_split_metrics

    test = [50.0 + 3 * k % 7 for k in range(10)]
    whole = _run(range(10), test)
    merged = merge_split_metrics([_run([7, 2, 9], [test[7], test[2], test[9]]),
                                  _run([0, 1, 3, 4, 5, 6, 8], [test[k] for k in (0, 1, 3, 4, 5, 6, 8)])],
                                 num_splits=10)
    assert merged["splits"] == list(range(10)) and merged["complete"]
    for key in ("test_acc_mean", "test_acc_std", "test_acc", "total_epochs", "total_seconds"):
        assert merged[key] == pytest.approx(whole[key]), key
    assert not merge_split_metrics([_run([0, 1], test[:2])], num_splits=10)["complete"]


def test_merge_rejects_overlapping_splits_and_mixed_datasets():
    from geogen.tasks.node_splits import merge_split_metrics

    with pytest.raises(ValueError, match=r"splits \[1\]"):
        merge_split_metrics([_run([0, 1], [50, 51]), _run([1, 2], [52, 53])])
    with pytest.raises(ValueError, match="different datasets"):
        merge_split_metrics([_run([0], [50]), _run([1], [51], dataset="cornell")])


def test_parallel_processes_give_the_split_results_of_one_process(mirror, tmp_path):
    """Split groups in spawned workers reproduce the one-process run split by split (sequential mode:
    each split is seeded on its own, so the grouping cannot change its result)."""
    overrides = ["experiment=nsd_texas", "task.splits=[0,1,2]", "task.method.max_epochs=4", "task.stacked=false",
                 "task.method.model.hidden_channels=4", "task.method.model.num_layers=2"]
    runs = {}
    for processes in (1, 2):
        cfg = compose_config("train", [*overrides, f"task.processes={processes}"])
        task = instantiate(cfg.task, _convert_="partial")
        runs[processes] = task.run(run_dir=tmp_path / str(processes))
    assert runs[2]["processes"] == 2 and runs[1]["processes"] == 1
    assert runs[2]["splits"] == [0, 1, 2]
    assert runs[2]["test_acc"] == runs[1]["test_acc"]
    assert runs[2]["val_acc"] == runs[1]["val_acc"]
    assert runs[2]["epochs"] == runs[1]["epochs"] == [4, 4, 4]
    assert not list((tmp_path / "2").glob("metrics.part*.json"))  # merged into metrics.json, then removed


def test_processes_must_be_positive():
    cfg = compose_config("train", ["experiment=nsd_texas", "task.processes=0"])
    with pytest.raises(Exception, match="processes must be at least 1"):
        instantiate(cfg.task, _convert_="partial")


def test_a_failing_worker_ends_the_run_with_its_traceback(mirror, tmp_path):
    cfg = compose_config("train", ["experiment=nsd_texas", "task.splits=[0,99]", "task.method.max_epochs=2",
                                   "task.stacked=false", "task.processes=2", "task.method.model.hidden_channels=4",
                                   "task.method.model.num_layers=2"])
    task = instantiate(cfg.task, _convert_="partial")
    with pytest.raises(RuntimeError, match=r"split group 1 \[99\] failed") as error:
        task.run(run_dir=tmp_path)
    assert "Error" in str(error.value)  # the worker's own traceback comes along
    assert not (tmp_path / "metrics.json").exists()
    assert json.loads((tmp_path / "metrics.part0.json").read_text())["splits"] == [0]
