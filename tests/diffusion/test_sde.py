"""Forward processes: closed-form marginals against simulation, and interface identities."""

import math

import pytest
import torch

from geogen.diffusion import SubVPSDE, VESDE, VPSDE

SDES = {
    "vp": VPSDE(beta_min=0.1, beta_max=20.0),
    "ve": VESDE(sigma_min=0.01, sigma_max=50.0),
    "subvp": SubVPSDE(beta_min=0.1, beta_max=20.0),
}


@pytest.mark.parametrize("name", list(SDES))
def test_forward_simulation_matches_marginal(name):
    """Euler–Maruyama with 1,000 small steps from t0 lands on the closed-form marginal."""
    sde = SDES[name]
    generator = torch.Generator().manual_seed(0)
    n, mu, s = 20_000, torch.tensor([2.0, -1.0], dtype=torch.float64), 0.5
    t0, steps = 1e-3, 1000
    x0 = mu + s * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    start = torch.full((n, 1), t0, dtype=torch.float64)
    mean0, std0 = sde.marginal(x0, start)
    x = mean0 + std0 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    dt = (1.0 - t0) / steps
    checkpoints = {250, 500, 1000}
    for i in range(steps):
        t = torch.tensor([[t0 + i * dt]], dtype=torch.float64)
        drift, diffusion = sde.drift_diffusion(x, t)
        x = x + drift * dt + diffusion * math.sqrt(dt) * torch.randn(
            x.shape, generator=generator, dtype=torch.float64)
        if i + 1 in checkpoints:
            t_end = torch.tensor([[t0 + (i + 1) * dt]], dtype=torch.float64)
            alpha, sigma = sde.alpha(t_end), sde.sigma(t_end)
            mean = alpha * mu
            std = (alpha.square() * s**2 + sigma.square()).sqrt()
            scale = (mean.square() + std.square()).sqrt()  # RMS of x_t: a scale-aware 2%
            assert ((x.mean(0) - mean).abs() / scale).max() < 0.02, (i, x.mean(0), mean)
            assert ((x.std(0) - std).abs() / std).max() < 0.02, (i, x.std(0), std)


@pytest.mark.parametrize("name", list(SDES))
def test_marginal_broadcasts_and_prior(name):
    sde = SDES[name]
    x0 = torch.randn(5, 3, 4)
    t = torch.rand(5).view(-1, 1, 1)
    mean, std = sde.marginal(x0, t)
    assert mean.shape == x0.shape and std.shape == t.shape
    prior = sde.prior_sample(torch.zeros(20_000, 2), torch.Generator().manual_seed(0))
    assert abs(prior.std().item() / sde.prior_std - 1) < 0.02


@pytest.mark.parametrize("name", list(SDES))
def test_transition_inverts_forward_kernel(name):
    """S4's transition: mean x / a and variance sigma_t^2 - a^2 sigma_s^2 of the forward step."""
    sde = SDES[name]
    t = torch.tensor([[0.5]], dtype=torch.float64)
    x = torch.ones(1, 1, dtype=torch.float64)
    mean, std = sde.transition(x, t, -0.01)
    s = t - 0.01
    a = sde.alpha(t) / sde.alpha(s)
    assert torch.allclose(mean, x / a)
    assert torch.allclose(std.square(), sde.sigma(t).square() - a.square() * sde.sigma(s).square())


def test_vp_transition_matches_gdss_formula():
    sde = VPSDE(beta_min=0.1, beta_max=1.0)
    t, dt = torch.tensor([0.7], dtype=torch.float64), -0.001
    integral = -dt * (sde.beta_min + (sde.beta_max - sde.beta_min) * (t + 0.5 * dt))
    mean, std = sde.transition(torch.ones(1, dtype=torch.float64), t, dt)
    assert torch.allclose(mean, torch.exp(0.5 * integral))
    assert torch.allclose(std, torch.sqrt(1 - torch.exp(-integral)))


def test_reverse_sde_object():
    sde = VESDE(sigma_min=0.1, sigma_max=1.0)
    reverse = sde.reverse(lambda x, t: -x, probability_flow=True)
    x, t = torch.randn(4, 2), torch.full((4, 1), 0.5)
    drift, diffusion = reverse.drift_diffusion(x, t)
    g = sde.drift_diffusion(x, t)[1]
    assert torch.allclose(drift, 0.5 * g.square() * x)
    assert torch.all(diffusion == 0)


def test_ve_rejects_bad_sigmas():
    with pytest.raises(ValueError):
        VESDE(sigma_min=1.0, sigma_max=0.5)
