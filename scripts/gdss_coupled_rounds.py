"""GDSS's predictor-corrector sampler in official-style rounds, without the padding cost.

The official GDSS code samples generic graphs in rounds of ``batch_size`` graphs (8 for grid),
all padded to ``max_node_num``, and its Langevin step size uses batch means of the per-graph
score and noise norms, so the graphs of one round share one step size per component. geogen's
size buckets (``geogen sample --max-pairs``) give each bucket its own step size instead. This
script keeps the buckets (no padded work) but runs all buckets of a round in lockstep and
computes the Langevin step size from the round's means, as the official code does. It then
keeps the first ``-n`` graphs in draw order (the official code also trims the last round).

Usage:
    python scripts/gdss_coupled_rounds.py CKPT -n 20 --round-size 8 --seed S --out FILE.pkl
then ``geogen evaluate graphs --samples FILE.pkl --reference grid``.

Only :class:`PCSampler` with a :class:`Langevin` corrector is supported (the official
generic-graph sampler).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

from geogen.data.states import DenseGraph
from geogen.diffusion import Langevin, PCSampler
from geogen.diffusion.base import sde_grid, time_rows
from geogen.methods.checkpointing import load_method
from geogen.methods.gdss import _concat_padded
from geogen.methods.outputs import write_json


class Bucket:
    """One size bucket of a round: its template, bound process, generator and current state."""

    def __init__(self, method, process, counts: torch.Tensor, order: torch.Tensor, seed: int,
                 times: torch.Tensor) -> None:
        self.order = order  # positions of these graphs in the round's draw order
        self.template = method.template(0, counts=counts, num_nodes=max(int(counts.max()), 1))
        self.bound = process.bind(self.template)
        self.generator = torch.Generator().manual_seed(seed)
        self.state = self.bound.prior_sample(self.template, self.generator)
        self.rows = time_rows(times, self.template)
        self.mean = self.state


def coupled_langevin(buckets: list[Bucket], i: int, score_fn, corrector: Langevin, step: float) -> None:
    """One Langevin move of every bucket with the round's mean score and noise norms."""
    moves = []
    sums: dict[str, list[torch.Tensor]] = {}
    for bucket in buckets:
        t = bucket.rows[i]
        scores = score_fn(bucket.state, t)
        times = bucket.state.broadcast_time(t)
        values = bucket.state.components()
        parts = {}
        for name, part in bucket.bound.parts.items():
            score = part.space.project(scores[name])
            noise = part.space.noise(bucket.generator)
            grad = part.space.sample_sq_norms(score).sqrt()
            znorm = part.space.sample_sq_norms(noise).sqrt()
            acc = sums.setdefault(name, [0.0, 0.0, 0])
            acc[0] = acc[0] + grad.sum()
            acc[1] = acc[1] + znorm.sum()
            acc[2] += grad.numel()
            parts[name] = (part, values[name], times[name], score, noise)
        moves.append(parts)
    for bucket, parts in zip(buckets, moves):
        new = {}
        for name, (part, x, t_b, score, noise) in parts.items():
            grad_sum, noise_sum, count = sums[name]
            size = (corrector.snr * (noise_sum / count) / (grad_sum / count)).square()
            size = size * 2.0 * part.sde.corrector_scale(t_b, step)
            mean = torch.addcmul(x, size, score)
            new[name] = torch.addcmul(mean, (2.0 * size).sqrt() * corrector.scale_eps, noise)
        bucket.state = bucket.state.replace(**new)


def sample_round(method, sampler: PCSampler, counts: torch.Tensor, max_pairs: int, seed_gen,
                 progress: bool) -> DenseGraph:
    """Sample one round (graphs in draw order) with the round-coupled Langevin step size."""
    times, step = sde_grid(sampler.process.T, sampler.steps, sampler.eps)
    sorted_counts, order = counts.sort(descending=True)
    buckets, start = [], 0
    while start < len(counts):
        size = max(int(sorted_counts[start]), 1)
        take = max(1, max_pairs // (size * size))
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=seed_gen))
        buckets.append(Bucket(method, sampler.process, sorted_counts[start:start + take],
                              order[start:start + take], seed, times))
        start += take
    score_fn = method.score_fn()
    steps = range(len(times))
    if progress:
        from tqdm.auto import tqdm
        steps = tqdm(steps, desc="round", leave=False)
    for i in steps:
        coupled_langevin(buckets, i, score_fn, sampler.corrector, step)
        for bucket in buckets:
            result = sampler.predictor.update(bucket.state, bucket.rows[i], score_fn,
                                              process=bucket.bound, step=step,
                                              generator=bucket.generator)
            bucket.state, bucket.mean = result.sample, result.mean
    merged = _concat_padded([bucket.mean for bucket in buckets])
    position = torch.cat([bucket.order for bucket in buckets])
    inverse = torch.empty_like(position)
    inverse[position] = torch.arange(len(position))
    return DenseGraph(x=merged.x[inverse], adj=merged.adj[inverse], mask=merged.mask[inverse])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("-n", "--num-samples", type=int, required=True)
    parser.add_argument("--round-size", type=int, default=8, help="graphs per official round")
    parser.add_argument("--max-pairs", type=int, default=40000, help="padded pairs per bucket")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="networkx pickle to write")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    method = load_method(Path(args.checkpoint), use_ema=True)
    sampler = method.sampler
    if not isinstance(sampler, PCSampler) or not isinstance(sampler.corrector, Langevin):
        print(f"needs a PC sampler with a Langevin corrector, got {sampler!r}", file=sys.stderr)
        return 2
    method.eval()
    generator = torch.Generator().manual_seed(args.seed)
    rounds = math.ceil(args.num_samples / args.round_size)
    start = time.perf_counter()
    states = []
    with torch.no_grad():
        for r in range(rounds):
            counts = method.draw_node_counts(args.round_size, generator)
            states.append(sample_round(method, sampler, counts, args.max_pairs, generator, args.progress))
            print(f"round {r + 1}/{rounds}: nodes {counts.tolist()} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    seconds = time.perf_counter() - start
    state = _concat_padded(states)
    n = args.num_samples
    state = DenseGraph(x=state.x[:n], adj=state.adj[:n], mask=state.mask[:n])
    decoded = method.output.decode(state)
    out = Path(args.out)
    method.output.write(decoded, out)
    summary = {"num_samples": n, "nfe": 2 * sampler.steps, "seconds": round(seconds, 3),
               "round_size": args.round_size, "rounds": rounds, "max_pairs": args.max_pairs,
               "sampler": repr(sampler) + " with round-coupled Langevin step size",
               "seed": args.seed, "checkpoint": str(args.checkpoint), **method.output.summary(decoded)}
    write_json(summary, out.with_name(out.name + ".json"))
    print(json.dumps({k: v for k, v in summary.items() if k not in ("sampler", "checkpoint")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
