"""Sample from a trained checkpoint (or the embedded default model).

  geogen sample -n 100 --out molecules.smi                 (embedded QM9 model)
  geogen sample CKPT -n 10000 --out mols.sdf --sampler dpm --steps 50 --seed 1
  geogen sample CKPT -n 100 --out graphs.pkl               (graph models: networkx pickle)

Writes the samples and ``<out>.json`` beside them (num_samples, nfe, seconds, sampler and,
for molecules, validity_wo_correction). Samplers: the checkpoint's own (default), pc (reverse
diffusion + Langevin), s4, euler (Euler-Maruyama, no corrector), dpm (DPM-Solver++(2M) on the
probability-flow ODE), dpm_sde (its stochastic SDE variant), heun, ddim.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geogen.errors import GeogenError

HELP = "sample from a checkpoint: geogen sample [CKPT] -n N --out FILE"

SAMPLERS = ("pc", "s4", "euler", "dpm", "dpm_sde", "dpm_langevin", "heun", "ddim")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help="a geogen checkpoint (default: the embedded QM9 model)")
    parser.add_argument("-n", "--num-samples", type=int, default=100)
    parser.add_argument("--out", required=True,
                        help="output file: molecules .smi/.txt/.csv/.sdf, graphs .pkl/.edgelist")
    parser.add_argument("--sampler", choices=SAMPLERS, default=None,
                        help="sampler (default: the one stored with the model)")
    parser.add_argument("--steps", type=int, default=None,
                        help="number of solver steps (alone: the stored sampler with this many steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--max-pairs", type=int, default=None,
                        help="run the score networks in size buckets of at most this many padded node pairs "
                             "(graphs x size^2), each padded only to its largest graph; the sampler still runs "
                             "on the whole batch (padded to the model's max nodes), so the samples do not change. "
                             "For wide size ranges "
                             "(ENZYMES: --batch-size 64, grid: --batch-size 8, with --max-pairs 40000)")
    parser.add_argument("--conformers", action="store_true", help="add RDKit 3D coordinates to SDF")
    parser.add_argument("--no-ema", action="store_true", help="use the raw instead of the EMA weights")
    parser.add_argument("--progress", action="store_true", help="show a progress bar per batch")
    parser.add_argument("--device", default="cpu",
                        help="where the networks run: cpu (default), cuda, cuda:1, ... (samples are written from the "
                             "CPU; the same seed gives different samples on different devices)")


def build_sampler(name: str, process, steps: int | None):
    """A sampler from ``configs/sampler/<name>.yaml`` bound to ``process``."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from geogen.paths import config_dir

    config = OmegaConf.load(config_dir() / "sampler" / f"{name}.yaml")
    if steps is not None:
        config.num_steps = steps
    return instantiate(config, process=process, _convert_="partial")


def _device(name: str):
    """``--device`` as a torch.device; one clear error for unknown or unavailable devices."""
    import torch

    try:
        device = torch.device(name)
    except RuntimeError:
        raise GeogenError(f"unknown device {name!r} (use cpu, cuda, cuda:N, ...)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GeogenError(f"--device {name}: no CUDA device is available here")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise GeogenError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) here")
    if device.type not in ("cpu", "cuda"):
        raise GeogenError(f"--device {name}: only cpu and cuda devices are supported")
    return device


def run(args: argparse.Namespace) -> int:
    import json
    import time

    from geogen.methods.checkpointing import load_method
    from geogen.methods.default_model import default_checkpoint
    from geogen.methods.outputs import write_json

    if args.num_samples < 1:
        raise GeogenError("--num-samples must be at least 1")
    out = Path(args.out)
    checkpoint = Path(args.checkpoint) if args.checkpoint else default_checkpoint()
    device = _device(args.device)
    method = load_method(checkpoint, use_ema=not args.no_ema).to(device)
    method.output.check_suffix(out)
    sampler = method.sampler
    if args.sampler is not None:
        sampler = build_sampler(args.sampler, method.process, args.steps)
    elif args.steps is not None:  # --steps alone keeps the checkpoint's own sampler
        sampler = sampler.with_num_steps(args.steps)
    start = time.perf_counter()
    samples = method.sample(args.num_samples, sampler=sampler, batch_size=args.batch_size,
                            seed=args.seed, progress=args.progress, max_pairs=args.max_pairs)
    decoded = method.output.decode(samples.state.to("cpu"))
    written = method.output.write(decoded, out, conformers=args.conformers)
    summary = {"num_samples": args.num_samples, "nfe": samples.nfe,
               "seconds": round(samples.seconds, 3),
               "seconds_total": round(time.perf_counter() - start, 3),
               "sampler": repr(sampler), "seed": args.seed, "checkpoint": str(checkpoint),
               "batch_size": args.batch_size, **({"max_pairs": args.max_pairs} if args.max_pairs else {}),
               **method.output.summary(decoded)}
    write_json(summary, out.with_name(out.name + ".json"))
    print(f"wrote {', '.join(str(p) for p in written)} ({args.num_samples} samples)")
    print(json.dumps({k: v for k, v in summary.items() if k not in ("sampler", "checkpoint")}, indent=None))
    return 0
