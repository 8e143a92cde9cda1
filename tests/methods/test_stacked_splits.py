"""Stacked split training follows the sequential protocol split by split."""

import functools

import pytest
import torch

from geogen.data.heterophily import NodeDataset
from geogen.methods.node_classification import NodeClassification
from geogen.methods.stacked_splits import fit_stacked, stackable
from geogen.nn.sheaf import DiagonalSheaf, NeuralSheafDiffusion, OrthogonalSheaf


def _dataset(num_nodes=30, num_features=40, num_splits=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    pairs = torch.combinations(torch.arange(num_nodes), 2)
    keep = pairs[torch.rand(len(pairs), generator=g) < 0.15]
    edge_index = torch.cat([keep.t(), keep.t().flip(0)], dim=1)
    x = (torch.rand(num_nodes, num_features, generator=g) < 0.05).float()  # sparse bag of words
    y = torch.randint(0, 3, (num_nodes,), generator=g)
    order = torch.stack([torch.randperm(num_nodes, generator=g) for _ in range(num_splits)])
    masks = [torch.zeros(num_splits, num_nodes, dtype=torch.bool) for _ in range(3)]
    for s in range(num_splits):
        for mask, part in zip(masks, order[s].tensor_split([num_nodes // 2, 3 * num_nodes // 4])):
            mask[s, part] = True
    return NodeDataset(name="toy", x=x, y=y, edge_index=edge_index, train_masks=masks[0], val_masks=masks[1],
                       test_masks=masks[2])


def _method(sheaf, patience, dropout=0.0, input_dropout=0.0, max_epochs=40):
    model = functools.partial(NeuralSheafDiffusion, hidden_channels=4, num_layers=2, sheaf=sheaf, dropout=dropout,
                              input_dropout=input_dropout)
    return NodeClassification(model=model, lr=0.05, weight_decay=1e-3, sheaf_decay=1e-4, max_epochs=max_epochs,
                              patience=patience)


def _prepared(method, data):
    model = method.build(data)
    return model, model.prepare_graph(data.edge_index, data.num_nodes), model.prepare_features(data.x)


@pytest.mark.parametrize("sheaf", [functools.partial(OrthogonalSheaf, stalk_dim=3, sum_stalks=True),
                                   pytest.param(functools.partial(DiagonalSheaf, stalk_dim=2, low_pass=True),
                                                marks=pytest.mark.slow)])
def test_stacked_without_dropout_reproduces_sequential_splits(sheaf):
    """No randomness after initialisation: every split must follow its sequential trajectory, including
    the splits still training after others stopped (their parameters and Adam moments are re-stacked)."""
    data, splits = _dataset(), [0, 1, 2, 3]
    method = _method(sheaf, patience=3, max_epochs=20)
    model, graph, features = _prepared(method, data)
    assert stackable(model, graph)
    stacked = fit_stacked(method, data, splits, [10 + s for s in splits], graph, features)
    sequential = []
    for s in splits:
        torch.manual_seed(10 + s)
        sequential.append(method.fit(data, s, graph=graph, features=features))
    assert [r.split for r in stacked] == splits
    assert len({r.epochs for r in sequential}) > 1, "toy setup should make splits stop at different epochs"
    for a, b in zip(stacked, sequential):
        assert (a.epochs, a.best_epoch) == (b.epochs, b.best_epoch)
        assert a.test_acc == pytest.approx(b.test_acc) and a.val_acc == pytest.approx(b.val_acc)


def test_stacked_early_stopping_is_per_split_and_dropout_differs_per_split():
    data, splits = _dataset(), [0, 1, 2, 3]
    method = _method(functools.partial(OrthogonalSheaf, stalk_dim=2), patience=3, dropout=0.5, input_dropout=0.3,
                     max_epochs=30)
    _, graph, features = _prepared(method, data)
    # Same seed for every split and the same split data: only the dropout draws can tell them apart.
    data_same = NodeDataset(name="same", x=data.x, y=data.y, edge_index=data.edge_index,
                            train_masks=data.train_masks[:1].expand(4, -1), val_masks=data.val_masks[:1].expand(4, -1),
                            test_masks=data.test_masks[:1].expand(4, -1))
    results = fit_stacked(method, data_same, splits, [0, 0, 0, 0], graph, features)
    for r in results:
        assert r.epochs <= method.max_epochs
        assert r.epochs == method.max_epochs or r.epochs == r.best_epoch + method.patience + 1
    assert len({(r.epochs, r.best_epoch, r.val_acc) for r in results}) > 1


def test_node_splits_task_uses_stacked_path_and_can_fall_back(tmp_path, monkeypatch):
    from geogen.tasks import node_splits

    data = _dataset()
    monkeypatch.setattr(node_splits, "load_node_dataset", lambda name, root=None: data)
    method = _method(functools.partial(DiagonalSheaf, stalk_dim=2), patience=3, max_epochs=8)
    stacked = node_splits.NodeSplitsTask(dataset="toy", method=method, device="cpu").run(tmp_path / "a")
    sequential = node_splits.NodeSplitsTask(dataset="toy", method=method, device="cpu", stacked=False).run(tmp_path / "b")
    assert (stacked["mode"], sequential["mode"]) == ("stacked", "sequential")
    for metrics in (stacked, sequential):
        assert len(metrics["test_acc"]) == 4 and metrics["splits"] == [0, 1, 2, 3] and metrics["complete"]
    # Without dropout the two paths agree split by split.
    assert stacked["test_acc"] == pytest.approx(sequential["test_acc"])
    assert stacked["epochs"] == sequential["epochs"]


def test_general_sheaf_jitter_is_drawn_per_split_under_vmap():
    from geogen.nn.sheaf import GeneralSheaf

    data = _dataset()
    method = _method(functools.partial(GeneralSheaf, stalk_dim=2), patience=3, max_epochs=3)
    _, graph, features = _prepared(method, data)
    results = fit_stacked(method, data, [0, 1], [0, 1], graph, features)
    assert [r.epochs for r in results] == [3, 3]
