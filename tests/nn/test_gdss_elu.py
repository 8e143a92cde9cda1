"""GDSS's compiled ELU equals PyTorch's, in values and gradients."""

import torch
import torch.nn.functional as F

from geogen.nn.compiled_kernels import CompiledKernels
from geogen.nn.gdss.elu import COMPILED_MIN_NUMEL, ELU
from geogen.nn.gdss.mlp import MLP


def test_compiled_inference_elu_matches_torch_on_large_inputs():
    torch.manual_seed(0)
    x = torch.randn(COMPILED_MIN_NUMEL + 37) * 50.0  # odd size, saturated and tiny values
    kernels = CompiledKernels()
    with torch.no_grad():
        out = ELU(kernels)(x.view(-1, 1))
    assert kernels.enabled  # the compiled kernel ran (no silent eager fallback)
    assert out.shape == (x.numel(), 1)
    torch.testing.assert_close(out.view(-1), F.elu(x), rtol=1e-6, atol=1e-6)


def test_compiled_elu_gradient_from_the_output():
    torch.manual_seed(1)
    x = (torch.randn(COMPILED_MIN_NUMEL + 5) * 10.0).requires_grad_()
    kernels = CompiledKernels()
    out = ELU(kernels)(x)
    assert kernels.enabled and out.grad_fn is not None
    torch.testing.assert_close(out, F.elu(x), rtol=1e-6, atol=1e-6)
    weights = torch.randn_like(x)
    (grad,) = torch.autograd.grad((out * weights).sum(), x)
    (expected,) = torch.autograd.grad((F.elu(x) * weights).sum(), x)
    torch.testing.assert_close(grad, expected, rtol=1e-5, atol=1e-6)


def test_mlp_uses_the_elu_between_layers():
    mlp = MLP(num_layers=3, input_dim=4, hidden_dim=8, output_dim=2)
    assert isinstance(mlp.activation, ELU)
    x = torch.randn(5, 4)
    manual = mlp.linears[2](F.elu(mlp.linears[1](F.elu(mlp.linears[0](x)))))
    torch.testing.assert_close(mlp(x), manual)
