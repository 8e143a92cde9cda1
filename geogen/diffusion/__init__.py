"""Processes and samplers shared by every method.

Processes: :class:`VPSDE`, :class:`VESDE`, :class:`SubVPSDE`, and :class:`JointSDE` (one SDE
and one noise space per state component). Samplers take ``score_fn(state, t[B]) -> dict``
and return a :class:`SampleResult` (state, NFE, seconds): :class:`PCSampler` (with
:class:`ReverseDiffusion`, :class:`EulerMaruyama`, :class:`Ancestral` predictors and the
:class:`Langevin` corrector), :class:`S4Sampler`, :class:`HeunSampler`, :class:`DDIMSampler`,
:class:`DPMSolverPP`. Discrete diffusion: :class:`CategoricalDiffusion`.
"""

from geogen.diffusion.base import CountingScoreFn, Sampler, ScoreFn, make_generator
from geogen.diffusion.categorical import (
    CategoricalDiffusion,
    CosineSchedule,
    MarginalTransition,
    UniformTransition,
)
from geogen.diffusion.correctors import Corrector, Langevin, NoneCorrector, langevin_move
from geogen.diffusion.ddim import DDIMSampler
from geogen.diffusion.dpm_solver import DPMSolverPP
from geogen.diffusion.grids import LogSNRGrid, TimeGrid, UniformTimeGrid
from geogen.diffusion.heun import HeunSampler
from geogen.diffusion.joint import BoundPart, BoundProcess, JointSDE, Perturbed
from geogen.diffusion.parameterization import (
    DenoiserScoreFn,
    EpsParameterization,
    Parameterization,
    ScoreParameterization,
    X0Parameterization,
)
from geogen.diffusion.pc import PCSampler
from geogen.diffusion.predictors import (
    Ancestral,
    EulerMaruyama,
    NonePredictor,
    Predictor,
    ReverseDiffusion,
)
from geogen.diffusion.results import SampleResult, StepResult
from geogen.diffusion.s4 import S4Sampler
from geogen.diffusion.sde import SDE, ReverseSDE, SubVPSDE, VESDE, VPSDE
from geogen.diffusion.spaces import (
    BoundSpace,
    FreeSpace,
    MaskedNodeSpace,
    Space,
    SymmetricAdjacencySpace,
    ZeroCoMSpace,
)
from geogen.diffusion.tensor_state import TensorState
from geogen.diffusion.toy import GaussianMixture

__all__ = [
    "SDE", "ReverseSDE", "VPSDE", "VESDE", "SubVPSDE",
    "JointSDE", "BoundProcess", "BoundPart", "Perturbed",
    "Space", "BoundSpace", "FreeSpace", "MaskedNodeSpace", "SymmetricAdjacencySpace",
    "ZeroCoMSpace",
    "TensorState", "GaussianMixture",
    "Parameterization", "ScoreParameterization", "EpsParameterization", "X0Parameterization",
    "DenoiserScoreFn",
    "ScoreFn", "CountingScoreFn", "Sampler", "make_generator",
    "StepResult", "SampleResult",
    "Predictor", "NonePredictor", "EulerMaruyama", "ReverseDiffusion", "Ancestral",
    "Corrector", "NoneCorrector", "Langevin", "langevin_move",
    "PCSampler", "S4Sampler", "HeunSampler", "DDIMSampler", "DPMSolverPP",
    "TimeGrid", "UniformTimeGrid", "LogSNRGrid",
    "CategoricalDiffusion", "CosineSchedule", "UniformTransition", "MarginalTransition",
]
