"""radius_graph against brute force, in PyG's source_to_target convention."""

import torch

from geogen.nn import radius_graph


def _brute_force(pos, r, batch, loop):
    edges = set()
    for i in range(len(pos)):
        for j in range(len(pos)):
            if batch[i] != batch[j] or (i == j and not loop):
                continue
            if ((pos[i] - pos[j]) ** 2).sum() <= r * r:
                edges.add((j, i))  # (source, target)
    return edges


def _as_set(edge_index):
    return set(map(tuple, edge_index.t().tolist()))


def test_matches_brute_force_batched_unsorted():
    generator = torch.Generator().manual_seed(0)
    pos = torch.rand(60, 3, generator=generator, dtype=torch.float64)
    batch = torch.randint(0, 4, (60,), generator=generator)
    for loop in (False, True):
        edge_index = radius_graph(pos, 0.4, batch, loop=loop)
        assert _as_set(edge_index) == _brute_force(pos, 0.4, batch, loop)
        assert edge_index.shape[1] == len(_as_set(edge_index))  # no duplicates


def test_single_graph_and_convention():
    pos = torch.tensor([[0.0, 0, 0], [1.0, 0, 0], [5.0, 0, 0]])
    edge_index = radius_graph(pos, 1.5)
    assert edge_index.tolist() == [[1, 0], [0, 1]]  # [sources, targets], sorted by target
    assert radius_graph(pos, 1.5, loop=True).shape[1] == 5
    assert radius_graph(torch.zeros(0, 3), 1.0).shape == (2, 0)


def test_blocks_and_neighbour_cap(monkeypatch):
    import geogen.nn.radius as module

    generator = torch.Generator().manual_seed(1)
    pos = torch.rand(80, 3, generator=generator)
    batch = torch.repeat_interleave(torch.arange(4), 20)
    full = radius_graph(pos, 0.5, batch)
    monkeypatch.setattr(module, "_BLOCK_ENTRIES", 64)  # force many small blocks
    assert torch.equal(radius_graph(pos, 0.5, batch), full)
    capped = radius_graph(pos, 0.5, batch, max_num_neighbors=3)
    assert torch.bincount(capped[1], minlength=80).max() <= 3
    # the kept neighbours are the nearest ones
    target = int(capped[1][0])
    kept = capped[0][capped[1] == target]
    all_sources = full[0][full[1] == target]
    dist = (pos[all_sources] - pos[target]).norm(dim=1)
    nearest = all_sources[dist.argsort()[: len(kept)]]
    assert set(kept.tolist()) == set(nearest.tolist())
