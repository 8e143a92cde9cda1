"""Every sampler, fed the exact score, reproduces a known target (closed-form checks).

The target is a 4-D isotropic mixture whose first two coordinates are exactly Gaussian,
``N((2, -1), 0.25 I)``, and whose last two form a 2-component mixture (means (1, 3) and
(3, 1), weights 0.3/0.7): one run checks both the Gaussian and the mixture acceptance lines.
Means are far from 0 relative to their standard error, so "within 3%" is meaningful.
"""

import pytest
import torch

from geogen.diffusion import (
    Ancestral,
    DDIMSampler,
    DPMSolverPP,
    EulerMaruyama,
    GaussianMixture,
    HeunSampler,
    JointSDE,
    Langevin,
    NoneCorrector,
    PCSampler,
    ReverseDiffusion,
    S4Sampler,
    SubVPSDE,
    TensorState,
    VESDE,
    VPSDE,
)

NUM_SAMPLES = 20_000
TOLERANCE = 0.03
TARGET = GaussianMixture(means=[[2.0, -1.0, 1.0, 3.0], [2.0, -1.0, 3.0, 1.0]],
                         stds=[0.5, 0.5], weights=[0.3, 0.7])

SDES = {
    "vp": lambda: VPSDE(beta_min=0.1, beta_max=20.0, num_scales=500),
    "ve": lambda: VESDE(sigma_min=0.01, sigma_max=50.0, num_scales=500),
    "subvp": lambda: SubVPSDE(beta_min=0.1, beta_max=20.0, num_scales=500),
}

SAMPLERS = {
    "euler_maruyama": lambda p: PCSampler(p, predictor=EulerMaruyama(), corrector=NoneCorrector()),
    "reverse_diffusion": lambda p: PCSampler(p, predictor=ReverseDiffusion(),
                                             corrector=NoneCorrector()),
    "pc_langevin": lambda p: PCSampler(p, predictor=ReverseDiffusion(),
                                       corrector=Langevin(snr=0.1, scale_eps=1.0)),
    "ancestral": lambda p: PCSampler(p, predictor=Ancestral(), corrector=NoneCorrector()),
    "s4": lambda p: S4Sampler(p, snr=0.1, scale_eps=1.0),
    "ddim": lambda p: DDIMSampler(p, num_steps=200, eta=0.0),
    "heun": lambda p: HeunSampler(p, num_steps=100),
    "dpm_solver_pp": lambda p: DPMSolverPP(p, num_steps=25),
    "dpm_solver_pp_sde": lambda p: DPMSolverPP(p, num_steps=50, eta=1.0),
    "dpm_solver_pp_langevin": lambda p: DPMSolverPP(p, num_steps=50,
                                                    corrector=Langevin(snr=0.05, scale_eps=1.0)),
}


def _relative_errors(samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    samples = samples.double()
    mean_error = (samples.mean(0) - TARGET.mean()).abs() / TARGET.mean().abs()
    std_error = (samples.std(0) - TARGET.std()).abs() / TARGET.std()
    return mean_error, std_error


@pytest.mark.parametrize("sde_name", list(SDES))
@pytest.mark.parametrize("sampler_name", list(SAMPLERS))
def test_sampler_reproduces_target(sampler_name, sde_name):
    process = JointSDE(sdes={"x": SDES[sde_name]()})
    sampler = SAMPLERS[sampler_name](process)
    template = TensorState(x=torch.zeros(NUM_SAMPLES, TARGET.dim))
    result = sampler.sample(TARGET.score_fn(process), template, generator=0)
    mean_error, std_error = _relative_errors(result.state.x)
    assert torch.isfinite(result.state.x).all()
    assert mean_error.max() < TOLERANCE, f"mean errors {mean_error.tolist()}"
    assert std_error.max() < TOLERANCE, f"std errors {std_error.tolist()}"
    assert result.nfe > 0 and result.seconds > 0


def test_dpm_solver_needs_at_most_25_nfe():
    process = JointSDE(sdes={"x": VPSDE(beta_min=0.1, beta_max=20.0)})
    result = DPMSolverPP(process, num_steps=20).sample(
        TARGET.score_fn(process), TensorState(x=torch.zeros(NUM_SAMPLES, TARGET.dim)), generator=1)
    mean_error, std_error = _relative_errors(result.state.x)
    assert result.nfe == 20
    assert max(mean_error.max(), std_error.max()) < TOLERANCE


def test_nfe_accounting():
    process = JointSDE(sdes={"x": VPSDE(num_scales=10)})
    template = TensorState(x=torch.zeros(8, TARGET.dim))
    score_fn = TARGET.score_fn(process)
    pc = PCSampler(process, corrector=Langevin(n_steps=2)).sample(score_fn, template, generator=0)
    assert pc.nfe == 10 * 3
    assert S4Sampler(process).sample(score_fn, template, generator=0).nfe == 10
    assert HeunSampler(process, num_steps=7).sample(score_fn, template).nfe == 14
    assert DDIMSampler(process, num_steps=7).sample(score_fn, template).nfe == 7


def test_seed_makes_runs_reproducible():
    process = JointSDE(sdes={"x": VESDE(num_scales=20)})
    template = TensorState(x=torch.zeros(16, TARGET.dim))
    sampler = PCSampler(process)
    first = sampler.sample(TARGET.score_fn(process), template, generator=3).state.x
    second = sampler.sample(TARGET.score_fn(process), template, generator=3).state.x
    third = sampler.sample(TARGET.score_fn(process), template, generator=4).state.x
    assert torch.equal(first, second)
    assert not torch.equal(first, third)
