"""Categorical diffusion: closed-form marginals, posteriors and ancestral sampling."""

import pytest
import torch
from scipy import stats

from geogen.diffusion import CategoricalDiffusion, CosineSchedule, MarginalTransition

TRANSITIONS = {"uniform": None, "marginal": MarginalTransition([0.5, 0.2, 0.2, 0.1])}


def test_cosine_schedule_endpoints_and_monotone():
    schedule = CosineSchedule()
    values = schedule.alpha_bar(torch.linspace(0, 1, 101, dtype=torch.float64))
    assert values[0] == pytest.approx(1.0) and values[-1] == pytest.approx(0.0, abs=1e-12)
    assert torch.all(values[1:] <= values[:-1])


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_q_sample_matches_closed_form(name):
    process = CategoricalDiffusion(4, transition=TRANSITIONS[name])
    x0 = torch.tensor(2)
    t = 0.6
    expected = process.q_probs(torch.nn.functional.one_hot(x0, 4).double(), t)
    draws = process.q_sample(x0.expand(40_000), t, torch.Generator().manual_seed(0))
    counts = torch.bincount(draws, minlength=4).double()
    _, p_value = stats.chisquare(counts.numpy(), (expected * counts.sum()).numpy())
    assert p_value > 1e-3
    # index and one-hot inputs agree
    assert torch.allclose(process.q_probs(x0, t).double(), expected)


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_posterior_is_bayes_rule(name):
    """Against the brute-force q(x_s|x_t,x0) ∝ q(x_t|x_s) q(x_s|x0) from transition matrices."""
    process = CategoricalDiffusion(4, transition=TRANSITIONS[name])
    t, s = 0.7, 0.4
    m = process.transition.stationary(4, torch.zeros(1, dtype=torch.float64))
    bar_t = process.schedule.alpha_bar(torch.tensor(t, dtype=torch.float64))
    bar_s = process.schedule.alpha_bar(torch.tensor(s, dtype=torch.float64))
    step = bar_t / bar_s
    q_ts = step * torch.eye(4, dtype=torch.float64) + (1 - step) * m  # [x_s, x_t]
    q_s0 = bar_s * torch.eye(4, dtype=torch.float64) + (1 - bar_s) * m  # [x_0, x_s]
    x0_probs = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    for j in range(4):
        per_x0 = q_s0 * q_ts[:, j]  # [x_0, x_s]
        per_x0 = per_x0 / per_x0.sum(1, keepdim=True)
        expected = x0_probs @ per_x0
        got = process.posterior(x0_probs, torch.tensor(j), t, s)
        assert torch.allclose(got, expected, atol=1e-12)


def test_vlb_term_is_zero_for_the_true_x0_and_positive_otherwise():
    process = CategoricalDiffusion(3)
    x0 = torch.tensor([0, 1, 2])
    x_t = torch.tensor([1, 1, 0])
    exact = process.vlb_term(x0, x_t, 0.5, 0.4, torch.nn.functional.one_hot(x0, 3).double())
    wrong = process.vlb_term(x0, x_t, 0.5, 0.4, torch.full((3, 3), 1 / 3, dtype=torch.float64))
    assert torch.allclose(exact, torch.zeros(3, dtype=torch.float64), atol=1e-12)
    assert torch.all(wrong > 0)
    assert torch.all(process.kl_prior(x0) < 1e-6)


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_ancestral_sampling_with_true_posterior_recovers_distribution(name):
    process = CategoricalDiffusion(4, transition=TRANSITIONS[name])
    target = torch.tensor([0.15, 0.25, 0.35, 0.25], dtype=torch.float64)
    m = process.transition.stationary(4, target)

    def denoise(x_t_onehot, t):
        # exact p(x0 | x_t) by Bayes: target_i q(x_t | x0 = i)
        bar = process.schedule.alpha_bar(t)
        likelihood = bar * x_t_onehot + (1 - bar) * (x_t_onehot * m).sum(-1, keepdim=True)
        joint = target * likelihood
        return joint / joint.sum(-1, keepdim=True)

    samples = process.ancestral_sample(denoise, (400_000,), num_steps=20,
                                       like=target, generator=torch.Generator().manual_seed(0))
    freq = torch.bincount(samples, minlength=4).double() / samples.numel()
    assert ((freq - target).abs() / target).max() < 0.02, freq


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_matrices_compose(name):
    """Q(0->t) = Q(0->s) Q(s->t): the closed-form kernels form a Markov chain."""
    process = CategoricalDiffusion(4, transition=TRANSITIONS[name])
    composed = process.transition_matrix(0.3) @ process.transition_matrix(0.8, 0.3)
    assert torch.allclose(composed, process.transition_matrix(0.8), atol=1e-12)
    assert torch.allclose(process.transition_matrix(0.8).sum(1), torch.ones(4, dtype=torch.float64))
    x0 = torch.nn.functional.one_hot(torch.tensor(1), 4).double()
    assert torch.allclose(x0 @ process.transition_matrix(0.6), process.q_probs(x0, 0.6))
