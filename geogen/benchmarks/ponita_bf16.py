"""PONITA bfloat16 (full autocast, or the point-wise MLPs only) vs float32: relative error of outputs and gradients."""

from __future__ import annotations

import argparse
import statistics
from types import SimpleNamespace

MODES = {"autocast": "bf16 autocast", "mlp": "bf16 MLPs only"}


def _relative(a, b) -> float:
    return float((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30))


def _run(name: str, args, mode: str | None):
    """Outputs and parameter gradients of the seeded model on the seeded batch."""
    import torch

    from geogen.benchmarks.ponita import _batch, _model

    torch.manual_seed(args.seed)
    model = _model(name, SimpleNamespace(**vars(args), bf16_mlp=mode == "mlp"))
    data = _batch(name, seed=args.seed)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode == "autocast"):
        scalars, vectors = model(data)
    out = torch.cat([scalars.float().flatten(), vectors.float().flatten()])
    # a loss with a non-trivial gradient everywhere: regression onto fixed random targets
    target = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
    (out - target).square().mean().backward()
    return out.detach(), [p.grad.detach() for p in model.parameters() if p.grad is not None]


def compare(name: str, args, mode: str) -> dict:
    """Relative errors of ``mode`` against float32.

    Returns:
        dict with ``output`` (all outputs), ``grad_all`` (the concatenated parameter gradients),
        ``grad_median`` / ``grad_max`` (over parameter tensors with a non-vanishing gradient).
    """
    import torch

    out32, grads32 = _run(name, args, None)
    out16, grads16 = _run(name, args, mode)
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
    parser.add_argument("--mode", choices=[*MODES, "all"], default="all")
    parser.add_argument("--num-ori", type=int, default=16)
    parser.add_argument("--edge-chunk-size", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    for name in (["nbody", "qm9"] if args.workload == "all" else [args.workload]):
        for mode in (list(MODES) if args.mode == "all" else [args.mode]):
            r = compare(name, args, mode)
            print(f"{name}, {MODES[mode]} vs fp32, relative error: outputs {r['output']:.2e}; gradients (all "
                  f"parameters) {r['grad_all']:.2e}, per parameter median {r['grad_median']:.2e} / "
                  f"max {r['grad_max']:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
