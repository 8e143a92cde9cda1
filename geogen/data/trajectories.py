"""Charged N-body simulator (the EGNN/GeoTDM "charged" setup), deterministic per trajectory, with a cache."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from geogen.io.atomic import atomic_output
from geogen.paths import data_root

__all__ = ["ChargedNBodyConfig", "NBodyTrajectories", "simulate_charged", "load_charged_split", "SPLIT_SIZES"]

# Trajectories used per split (README of the data mirror): the reference setup simulates
# 10,000 / 2,000 / 2,000 but only the first 3,000 / 256 / 2,000 are used. Seeds are per
# trajectory, so simulating only those gives exactly the same trajectories.
SPLIT_SIZES = {"train": 3000, "val": 256, "test": 2000}
_SPLIT_IDS = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class ChargedNBodyConfig:
    """Physical and numerical settings (defaults = the reference setup)."""

    num_particles: int = 5
    loc_std: float = 1.0
    speed: float = 0.5
    interaction_strength: float = 1.0
    max_force: float = 100.0
    dt: float = 0.001
    num_steps: int = 5000
    sample_every: int = 100

    @property
    def num_frames(self) -> int:
        return self.num_steps // self.sample_every - 1


@dataclass
class NBodyTrajectories:
    """Simulated trajectories.

    Shapes:
        pos, vel: [B, T, n, 3] (float32); charges: [B, n] (±1)
    """

    pos: np.ndarray
    vel: np.ndarray
    charges: np.ndarray


def _initial_state(seed: int, config: ChargedNBodyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = config.num_particles
    pos = rng.normal(0.0, config.loc_std, size=(n, 3))
    direction = rng.normal(size=(n, 3))
    vel = config.speed * direction / np.linalg.norm(direction, axis=-1, keepdims=True)
    charges = rng.choice([1.0, -1.0], size=n)
    return pos, vel, charges


def _forces(pos: np.ndarray, charges: np.ndarray, config: ChargedNBodyConfig) -> np.ndarray:
    """Coulomb forces q_i q_j (x_i - x_j) / r³ summed over j, clipped elementwise. [B, n, 3]."""
    diff = pos[:, :, None, :] - pos[:, None, :, :]  # [B, n, n, 3]
    dist2 = (diff ** 2).sum(-1)  # [B, n, n]
    eye = np.eye(pos.shape[1], dtype=bool)
    dist2 = np.where(eye, 1.0, dist2)
    strength = config.interaction_strength * charges[:, :, None] * charges[:, None, :] / dist2 ** 1.5
    strength = np.where(eye, 0.0, strength)
    force = (strength[..., None] * diff).sum(axis=2)
    return np.clip(force, -config.max_force, config.max_force)


def simulate_charged(seeds: list[int] | np.ndarray, config: ChargedNBodyConfig = ChargedNBodyConfig()) -> NBodyTrajectories:
    """Leapfrog-integrate one trajectory per seed, vectorised over trajectories.

    Each trajectory depends only on its own seed (initial positions N(0, loc_std²), speed
    ``speed`` in a uniformly random direction, charges ±1 with p = 1/2). Frame 0 is the
    initial state, frame k the state after ``k * sample_every`` steps.

    Returns:
        :class:`NBodyTrajectories` with ``config.num_frames`` frames.
    """
    states = [_initial_state(int(seed), config) for seed in seeds]
    pos = np.stack([s[0] for s in states])  # [B, n, 3]
    vel = np.stack([s[1] for s in states])
    charges = np.stack([s[2] for s in states])  # [B, n]
    frames = config.num_frames
    pos_out = np.empty((len(states), frames, config.num_particles, 3), dtype=np.float32)
    vel_out = np.empty_like(pos_out)
    pos_out[:, 0], vel_out[:, 0] = pos, vel
    vel = vel + config.dt * _forces(pos, charges, config)  # leapfrog half-kick offset
    frame = 1
    for step in range(1, config.num_steps):
        pos = pos + config.dt * vel
        if step % config.sample_every == 0 and frame < frames:
            pos_out[:, frame], vel_out[:, frame] = pos, vel
            frame += 1
        vel = vel + config.dt * _forces(pos, charges, config)
    return NBodyTrajectories(pos_out, vel_out, charges.astype(np.float32))


def _seeds(split: str, count: int) -> list[int]:
    # one independent stream per (split, index): SeedSequence spawns never collide across splits
    return [int(np.random.SeedSequence([2024, _SPLIT_IDS[split], index]).generate_state(1)[0]) for index in range(count)]


def load_charged_split(split: str, count: int | None = None, root: str | Path | None = None,
                       config: ChargedNBodyConfig = ChargedNBodyConfig()) -> NBodyTrajectories:
    """The first ``count`` trajectories of ``split``, simulated once and cached as
    ``<data_root>/nbody_charged/<split>_<count>.npz`` (the cache stores its config and is
    regenerated when the config differs).
    """
    if split not in SPLIT_SIZES:
        raise ValueError(f"unknown split {split!r}; choose from {sorted(SPLIT_SIZES)}")
    count = SPLIT_SIZES[split] if count is None else count
    path = data_root(root) / "nbody_charged" / f"{split}_{count}.npz"
    key = repr(sorted(asdict(config).items()))
    if path.is_file():
        with np.load(path) as cached:
            if str(cached["config"]) == key:
                return NBodyTrajectories(cached["pos"], cached["vel"], cached["charges"])
    data = simulate_charged(_seeds(split, count), config)
    with atomic_output(path) as temp, open(temp, "wb") as handle:  # safe for parallel jobs
        np.savez_compressed(handle, pos=data.pos, vel=data.vel, charges=data.charges, config=np.array(key))
    return data
