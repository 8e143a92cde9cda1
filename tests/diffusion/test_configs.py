"""The GDSS-style pieces are constructible by keyword from Hydra ``_target_`` configs."""

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from geogen.data.states import DenseGraph
from geogen.diffusion import (
    DPMSolverPP,
    JointSDE,
    Langevin,
    PCSampler,
    ReverseDiffusion,
    S4Sampler,
    SymmetricAdjacencySpace,
    VESDE,
)

PROCESS = """
_target_: geogen.diffusion.JointSDE
sdes:
  x: {_target_: geogen.diffusion.VESDE, sigma_min: 0.1, sigma_max: 1.0, num_scales: 1000}
  adj: {_target_: geogen.diffusion.VESDE, sigma_min: 0.1, sigma_max: 1.0, num_scales: 1000}
spaces:
  x: {_target_: geogen.diffusion.MaskedNodeSpace}
  adj: {_target_: geogen.diffusion.SymmetricAdjacencySpace}
"""

SAMPLERS = {
    "pc": """
_target_: geogen.diffusion.PCSampler
_partial_: true
predictor: {_target_: geogen.diffusion.ReverseDiffusion}
corrector: {_target_: geogen.diffusion.Langevin, snr: 0.2, scale_eps: 0.7, n_steps: 1}
eps: 1.0e-3
""",
    "s4": """
_target_: geogen.diffusion.S4Sampler
_partial_: true
snr: 0.2
scale_eps: 0.7
""",
    "dpm": """
_target_: geogen.diffusion.DPMSolverPP
_partial_: true
num_steps: 20
grid: {_target_: geogen.diffusion.LogSNRGrid}
""",
}


def test_process_and_samplers_from_configs():
    process = instantiate(OmegaConf.create(PROCESS))
    assert isinstance(process, JointSDE) and process.N == 1000
    assert isinstance(process.sdes["adj"], VESDE) and process.sdes["adj"].sigma_max == 1.0
    assert isinstance(process.spaces["adj"], SymmetricAdjacencySpace)
    samplers = {name: instantiate(OmegaConf.create(text))(process=process)
                for name, text in SAMPLERS.items()}
    assert isinstance(samplers["pc"], PCSampler)
    assert isinstance(samplers["pc"].predictor, ReverseDiffusion)
    assert isinstance(samplers["pc"].corrector, Langevin) and samplers["pc"].corrector.snr == 0.2
    assert isinstance(samplers["s4"], S4Sampler) and samplers["s4"].scale_eps == 0.7
    assert isinstance(samplers["dpm"], DPMSolverPP) and samplers["dpm"].steps == 20
    template = DenseGraph(x=torch.zeros(2, 3, 2), adj=torch.zeros(2, 3, 3),
                          mask=torch.ones(2, 3, dtype=torch.bool))
    result = samplers["dpm"].sample(lambda s, t: {"x": -s.x, "adj": -s.adj}, template, generator=0)
    assert result.nfe == 20 and torch.isfinite(result.state.adj).all()


def test_with_num_steps_keeps_the_sampler_settings():
    from geogen.diffusion import VESDE, JointSDE, PCSampler
    from geogen.diffusion.correctors import Langevin

    process = JointSDE({"x": VESDE(sigma_min=0.2, sigma_max=1.0, num_scales=1000)})
    sampler = PCSampler(process, corrector=Langevin(snr=0.15, scale_eps=0.7), num_steps=1000, eps=1e-4)
    shorter = sampler.with_num_steps(50)
    assert type(shorter) is PCSampler and shorter.steps == 50 and sampler.steps == 1000
    assert shorter.corrector.snr == 0.15 and shorter.eps == 1e-4 and shorter.process is process
