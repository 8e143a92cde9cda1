"""PC sampler overhead per step (reverse diffusion + Langevin) on a batch of dense graphs."""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from geogen.data.states import DenseGraph
from geogen.diffusion import (
    JointSDE,
    Langevin,
    MaskedNodeSpace,
    PCSampler,
    ReverseDiffusion,
    SymmetricAdjacencySpace,
    VESDE,
)
from geogen.diffusion.base import sde_grid, time_rows

__all__ = ["main"]


class _ConstantScore:
    """Zero-cost denoiser returning fixed (masked, symmetric) tensors.

    The benchmark measures the sampler, not a network; a constant score also keeps the
    iterates bounded (an identity "score" makes them grow geometrically into inf/NaN, which
    would time floating-point exceptions instead of the sampler).
    """

    def __init__(self, process: JointSDE, template: DenseGraph) -> None:
        noise = process.prior_sample(template, torch.Generator().manual_seed(1))
        self.scores = {"x": -noise.x, "adj": -noise.adj}

    def __call__(self, state, t):
        return self.scores


def _template(batch: int, nodes: int, features: int, device: str) -> DenseGraph:
    generator = torch.Generator().manual_seed(0)
    sizes = torch.randint(nodes // 2, nodes + 1, (batch,), generator=generator)
    mask = torch.arange(nodes)[None, :] < sizes[:, None]  # [B, N]
    return DenseGraph(x=torch.zeros(batch, nodes, features), adj=torch.zeros(batch, nodes, nodes),
                      mask=mask).to(device)


def _time(fn, repeats: int, device: torch.device) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` calls."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def _per_step_ms(bound, template, rows, predictor, corrector, score_fn, kwargs,
                 device: torch.device) -> list[float]:
    """Milliseconds of each corrector + predictor step of one run (the PCSampler loop body).

    Per-step medians are robust to the process being descheduled on a shared machine,
    which inflates the whole-run mean.
    """
    state = bound.prior_sample(template, kwargs["generator"])
    durations = []
    for t in rows:
        start = time.perf_counter()
        state = corrector.update(state, t, score_fn, **kwargs).sample
        state = predictor.update(state, t, score_fn, **kwargs).sample
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        durations.append((time.perf_counter() - start) * 1e3)
    return durations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark sampler", description=__doc__)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--nodes", type=int, default=9)
    parser.add_argument("--features", type=int, default=4)
    parser.add_argument("--steps", type=int, default=200, help="PC steps of the timed run")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    process = JointSDE(sdes={"x": VESDE(0.1, 1.0, args.steps), "adj": VESDE(0.1, 1.0, args.steps)},
                       spaces={"x": MaskedNodeSpace(), "adj": SymmetricAdjacencySpace()})
    predictor, corrector = ReverseDiffusion(), Langevin(snr=0.2, scale_eps=0.7)
    sampler = PCSampler(process, predictor=predictor, corrector=corrector)
    template = _template(args.batch, args.nodes, args.features, args.device)
    device = template.device
    score_fn = _ConstantScore(process, template)

    sampler.sample(score_fn, template, generator=0)  # warm-up
    result = sampler.sample(score_fn, template, generator=0)

    bound = process.bind(template)
    generator = torch.Generator(device=device).manual_seed(0)
    times, step = sde_grid(process.T, args.steps, 1e-3)
    rows = time_rows(times, template)
    kwargs = dict(process=bound, step=step, generator=generator)
    step_ms = _per_step_ms(bound, template, rows, predictor, corrector, score_fn, kwargs, device)
    state = bound.prior_sample(template, generator)
    t = rows[args.steps // 2]
    repeats = max(50, args.steps)
    parts = {
        "corrector (Langevin)": lambda: corrector.update(state, t, score_fn, **kwargs),
        "predictor (reverse diffusion)": lambda: predictor.update(state, t, score_fn, **kwargs),
        "noise x + adj": lambda: [p.space.noise(generator) for p in bound.parts.values()],
        "projection x + adj": lambda: [p.space.project(getattr(state, n))
                                       for n, p in bound.parts.items()],
        "bind (once per run)": lambda: process.bind(template),
    }
    print(f"PC sampler, batch {args.batch} DenseGraphs of {args.nodes} nodes "
          f"(x {list(template.x.shape)}, adj {list(template.adj.shape)}), constant (zero-cost) "
          f"denoiser, {torch.get_num_threads()} threads, device {device}")
    print(f"  whole run: {args.steps} steps in {result.seconds:.3f} s "
          f"({result.seconds * 1e3 / args.steps:.3f} ms per step, wall clock), NFE {result.nfe}")
    print(f"  per PC step: median {statistics.median(step_ms):.3f} ms, "
          f"min {min(step_ms):.3f} ms (target < 2 ms)")
    print("  breakdown (median of repeated calls):")
    for name, fn in parts.items():
        print(f"    {name:32s} {_time(fn, repeats, device):7.3f} ms")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
