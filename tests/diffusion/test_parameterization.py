"""Score / eps / x0 converters agree with each other on a Gaussian marginal."""

import torch

from geogen.diffusion import (
    DenoiserScoreFn,
    EpsParameterization,
    JointSDE,
    ScoreParameterization,
    TensorState,
    VPSDE,
    X0Parameterization,
)


def test_three_parameterizations_give_the_same_score():
    process = JointSDE(sdes={"x": VPSDE(beta_min=0.1, beta_max=20.0)})
    sde = process.sdes["x"]
    x0 = torch.randn(6, 3, dtype=torch.float64)
    eps = torch.randn(6, 3, dtype=torch.float64)
    t = torch.rand(6, dtype=torch.float64) * 0.9 + 0.05
    alpha, sigma = sde.alpha(t[:, None]), sde.sigma(t[:, None])
    x_t = alpha * x0 + sigma * eps
    score = -eps / sigma
    state = TensorState(x=x_t)
    outputs = {ScoreParameterization(): score, EpsParameterization(): eps, X0Parameterization(): x0}
    for param, output in outputs.items():
        adapter = DenoiserScoreFn(lambda s, tt, out=output: {"x": out}, process, param)
        assert torch.allclose(adapter(state, t)["x"], score)
        assert torch.allclose(param.to_eps(output, x_t, alpha, sigma), eps)
        assert torch.allclose(param.to_x0(output, x_t, alpha, sigma), x0)
