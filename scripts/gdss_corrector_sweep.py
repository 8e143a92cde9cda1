"""Sweep the Langevin corrector of few-step DPM-Solver++ sampling on a GDSS checkpoint.

Each setting samples the same molecules (same seed) with ``DPMSolverPP(corrector=Langevin(...))``
and prints the NFE per network, the validity without correction and the sampling time. This is
how ``configs/sampler/dpm_langevin.yaml`` got its snr (docs/results.md, session 16).

Usage:
  python scripts/gdss_corrector_sweep.py qm9.ckpt -n 2000 --snr 0.2 0.3 0.35 0.4 \
      [--scale-eps 0.7] [--eta 0 0.5] [--steps 50] [--corrector-steps 1] [--seed 0] [--threads 1]
"""

from __future__ import annotations

import argparse
import itertools

import torch

from geogen.diffusion import DPMSolverPP, Langevin
from geogen.methods.checkpointing import load_method


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("-n", "--num-samples", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--snr", type=float, nargs="+", default=[0.2, 0.3, 0.35, 0.4])
    parser.add_argument("--scale-eps", type=float, nargs="+", default=[0.7])
    parser.add_argument("--eta", type=float, nargs="+", default=[0.0])
    parser.add_argument("--corrector-steps", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    method = load_method(args.checkpoint)
    print("snr  scale_eps  eta  nfe  validity_wo_correction  seconds")
    for snr, scale_eps, eta in itertools.product(args.snr, args.scale_eps, args.eta):
        corrector = Langevin(snr=snr, scale_eps=scale_eps, n_steps=args.corrector_steps)
        sampler = DPMSolverPP(method.process, num_steps=args.steps, eps=1e-4, eta=eta, corrector=corrector)
        samples = method.sample(args.num_samples, sampler=sampler, batch_size=args.batch_size, seed=args.seed)
        validity = method.output.decode(samples.state).validity_without_correction
        print(f"{snr:4.2f}  {scale_eps:9.2f}  {eta:3.1f}  {samples.nfe:3d}  {100 * validity:21.2f} %  "
              f"{samples.seconds:7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
