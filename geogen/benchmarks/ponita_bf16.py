"""PONITA bfloat16 autocast vs float32: relative error of outputs and parameter gradients."""

from __future__ import annotations

import argparse
import statistics


def _relative(a, b) -> float:
    return float((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30))


def compare(name: str, args) -> dict:
    """Outputs and gradients of one model and batch, in float32 and under bfloat16 autocast.

    Returns:
        dict with ``output`` (relative error of all outputs), ``grad_all`` (of the concatenated
        parameter gradients), ``grad_median`` / ``grad_max`` (over parameter tensors with a non-vanishing gradient).
    """
    import torch

    from geogen.benchmarks.ponita import _batch, _model

    torch.manual_seed(args.seed)
    model, data = _model(name, args), _batch(name, seed=args.seed)
    runs = []
    for bf16 in (False, True):
        model.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            scalars, vectors = model(data)
        out = torch.cat([scalars.float().flatten(), vectors.float().flatten()])
        # a loss with a non-trivial gradient everywhere: regression onto fixed random targets
        target = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
        (out - target).square().mean().backward()
        runs.append((out.detach(), [p.grad.detach().clone() for p in model.parameters() if p.grad is not None]))
    (out32, grads32), (out16, grads16) = runs
    # parameters whose exact gradient vanishes (e.g. the last block's output bias under the
    # antipodal vector readout) carry only rounding noise: left out of the per-parameter figures
    scale = max(float(g.norm()) for g in grads32)
    per_param = [_relative(g16, g32) for g16, g32 in zip(grads16, grads32) if float(g32.norm()) > 1e-6 * scale]
    return {"output": _relative(out16, out32),
            "grad_all": _relative(torch.cat([g.flatten() for g in grads16]), torch.cat([g.flatten() for g in grads32])),
            "grad_median": statistics.median(per_param), "grad_max": max(per_param)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark ponita_bf16", description=__doc__)
    parser.add_argument("--workload", choices=["nbody", "qm9", "all"], default="nbody")
    parser.add_argument("--num-ori", type=int, default=16)
    parser.add_argument("--edge-chunk-size", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    for name in (["nbody", "qm9"] if args.workload == "all" else [args.workload]):
        r = compare(name, args)
        print(f"{name}: bf16 autocast vs fp32, relative error: outputs {r['output']:.2e}; gradients (all "
              f"parameters) {r['grad_all']:.2e}, per parameter median {r['grad_median']:.2e} / max {r['grad_max']:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
