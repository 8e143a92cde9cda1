"""Charged N-body simulator and datamodule: determinism per seed, physics sanity, caching."""

import numpy as np

from geogen.data.nbody_datamodule import NBodyDataModule
from geogen.data.trajectories import ChargedNBodyConfig, load_charged_split, simulate_charged

SHORT = ChargedNBodyConfig(num_steps=1000, sample_every=100)


def test_trajectory_depends_only_on_its_seed():
    together = simulate_charged([11, 12, 13], SHORT)
    alone = simulate_charged([12], SHORT)
    np.testing.assert_array_equal(together.pos[1], alone.pos[0])
    assert together.pos.shape == (3, 9, 5, 3)
    assert set(np.unique(together.charges)) <= {-1.0, 1.0}


def test_initial_state_and_free_flight():
    data = simulate_charged(list(range(64)), SHORT)
    speeds = np.linalg.norm(data.vel[:, 0], axis=-1)
    np.testing.assert_allclose(speeds, 0.5, rtol=1e-5)
    # positions ~ N(0, 1)
    assert abs(data.pos[:, 0].std() - 1.0) < 0.1
    # between frames the motion is close to constant velocity (dt * steps = 0.1 per frame)
    step = data.pos[:, 2] - data.pos[:, 1]
    assert np.median(np.abs(step - 0.1 * data.vel[:, 1])) < 0.01


def test_coulomb_sign_like_charges_repel():
    cfg = ChargedNBodyConfig(num_particles=2, num_steps=300, sample_every=100)
    from geogen.data.trajectories import _forces

    pos = np.array([[[0.0, 0, 0], [1.0, 0, 0]]])
    force = _forces(pos, np.array([[1.0, 1.0]]), cfg)
    assert force[0, 0, 0] < 0 < force[0, 1, 0]  # pushed apart
    force = _forces(pos, np.array([[1.0, -1.0]]), cfg)
    assert force[0, 0, 0] > 0 > force[0, 1, 0]  # pulled together


def test_cache_and_datamodule(tmp_path):
    first = load_charged_split("val", 3, root=tmp_path)
    assert (tmp_path / "nbody_charged" / "val_3.npz").is_file()
    again = load_charged_split("val", 3, root=tmp_path)
    np.testing.assert_array_equal(first.pos, again.pos)
    assert first.pos.shape == (3, 49, 5, 3)
    module = NBodyDataModule(root=str(tmp_path), num_train=2, num_val=3, num_test=2, batch_size=2)
    module.setup("fit")
    graph = module.graphs["val"][1]
    np.testing.assert_allclose(graph.pos.numpy(), first.pos[1, 30])
    np.testing.assert_allclose(graph.y.numpy(), first.pos[1, 40])
    assert graph.vec.shape == (5, 1, 3) and graph.x.shape == (5, 1)
    assert len(module.val_dataloader()) == 2  # validation and test loaders
