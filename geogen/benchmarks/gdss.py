"""GDSS on QM9: training-step time and sampling rates against the official implementation.

Usage:
  geogen benchmark gdss train [--batch 1024] [--threads 2]
  geogen benchmark gdss sample --checkpoint gdss_qm9.ckpt --sampler pc|s4|dpm [--steps K]
      [--num-samples 1000] [--threads 2]

The official figures are those measured on the project's machines (2 CPU cores, official QM9
checkpoint, batch 1,000 for sampling, 1,024 for training; ANCHORS.md); they are constants here
because the official code is not part of geogen. Our figures are measured on the spot; run on an
otherwise idle machine for comparable numbers.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from geogen.benchmarks.calibration import calibrate
from geogen.cpu_memory import tuning_enabled

__all__ = ["main", "OFFICIAL"]

# Official implementation on the project's 2-core machines (ANCHORS.md, 2026-11-22).
OFFICIAL = {
    "train_step_ms": 237.0,
    "train_step_score_network_a_ms": 205.0,
    "pc_molecules_per_s": 4.86,
    "s4_molecules_per_s": 9.58,
}


def _median_ms(fn, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def _qm9_method():
    from hydra.utils import instantiate

    from geogen.cli.config import compose_config

    cfg = compose_config("train", ["experiment=gdss_qm9"])
    return instantiate(cfg.task.method, _convert_="partial")


def _random_qm9_batch(batch: int):
    from geogen.data.states import DenseGraph

    generator = torch.Generator().manual_seed(0)
    sizes = torch.randint(4, 10, (batch,), generator=generator)
    mask = torch.arange(9)[None, :] < sizes[:, None]  # [B, 9]
    types = torch.randint(0, 4, (batch, 9), generator=generator)
    x = torch.nn.functional.one_hot(types, 4).float() * mask.unsqueeze(-1)
    bonds = torch.randint(0, 4, (batch, 9, 9), generator=generator).float().triu(1)
    bonds = bonds * (torch.rand(batch, 9, 9, generator=generator) < 0.3)
    adj = (bonds + bonds.transpose(1, 2)) * mask.unsqueeze(1) * mask.unsqueeze(2)
    return DenseGraph(x=x, adj=adj, mask=mask)


def bench_train(batch: int, repeats: int) -> dict:
    """One optimiser step (both networks, Adam, per-network clipping) on a QM9-shaped batch."""
    method = _qm9_method()
    data = _random_qm9_batch(batch)
    optimizer = torch.optim.Adam(method.denoiser.parameters(), lr=5e-3, weight_decay=1e-4)

    def step():
        optimizer.zero_grad()
        method.loss(data).total.backward()
        method.configure_gradient_clipping(optimizer)
        optimizer.step()

    for _ in range(3):
        step()
    step_ms = _median_ms(step, repeats)
    adj_net = method.denoiser.adj_network

    def adj_only():
        adj_net(data.x, data.adj, data.mask).square().sum().backward()

    adj_only()
    adj_ms = _median_ms(adj_only, repeats)
    params = sum(p.numel() for p in method.denoiser.parameters())
    return {"batch": batch, "parameters": params, "train_step_ms": round(step_ms, 1),
            "score_network_a_fwd_bwd_ms": round(adj_ms, 1),
            "official_train_step_ms": OFFICIAL["train_step_ms"],
            "speedup_vs_official": round(OFFICIAL["train_step_ms"] / step_ms, 2),
            "epoch_s_at_116_steps": round(step_ms * 116 / 1e3, 1)}


def bench_sample(checkpoint: str, sampler_name: str, steps: int | None, num_samples: int,
                 validity: bool) -> dict:
    """Molecules per second with a converted/trained QM9 checkpoint."""
    from geogen.cli.sample import build_sampler
    from geogen.methods.checkpointing import load_method

    method = load_method(checkpoint)
    sampler = build_sampler(sampler_name, method.process, steps)
    # warm-up at the measured batch size: compiles the fused attention kernel (once per process,
    # cached on disk by torch.compile), which is not part of the sampling rate
    start = time.perf_counter()
    method.sample(num_samples, sampler=build_sampler(sampler_name, method.process, 2),
                  batch_size=num_samples, seed=1)
    warmup_s = time.perf_counter() - start
    samples = method.sample(num_samples, sampler=sampler, batch_size=num_samples, seed=0)
    rate = num_samples / samples.seconds
    result = {"sampler": sampler_name, "steps": steps, "num_samples": num_samples,
              "nfe_per_network": samples.nfe, "seconds": round(samples.seconds, 1),
              "molecules_per_s": round(rate, 2),
              "speedup_vs_official_pc": round(rate / OFFICIAL["pc_molecules_per_s"], 2),
              "speedup_vs_official_s4": round(rate / OFFICIAL["s4_molecules_per_s"], 2),
              "warmup_s": round(warmup_s, 1)}
    if validity:
        decoded = method.output.decode(samples.state)
        result["validity_wo_correction"] = round(decoded.validity_without_correction, 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark gdss", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["train", "sample"])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--checkpoint", default=None, help="geogen QM9 checkpoint (for sample)")
    parser.add_argument("--sampler", default="pc", choices=["pc", "s4", "euler", "dpm", "dpm_sde", "dpm_langevin", "heun", "ddim"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--no-validity", action="store_true")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.what == "train":
        result = bench_train(args.batch, args.repeats)
    else:
        if not args.checkpoint:
            parser.error("sample needs --checkpoint (e.g. from `geogen convert gdss-official`)")
        result = bench_sample(args.checkpoint, args.sampler, args.steps, args.num_samples,
                              not args.no_validity)
    result["threads"] = torch.get_num_threads()
    result["malloc_tuning"] = tuning_enabled()  # `geogen` keeps freed blocks (geogen.cpu_memory)
    result["machine"] = {key: round(value, 1) for key, value in calibrate().items()}  # after the run
    print(json.dumps(result, indent=2))
    return 0
