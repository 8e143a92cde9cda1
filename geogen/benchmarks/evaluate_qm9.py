"""Time evaluate_molecules (validity, uniqueness, novelty, FCD, NSPDK) of QM9 samples vs the GDSS test split."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark evaluate_qm9", description=__doc__)
    parser.add_argument("--samples", default=None,
                        help="SMILES file (default: 10,000 molecules of the QM9 GDSS training split)")
    parser.add_argument("--num", type=int, default=10_000, help="number of samples")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--root", default=None, help="data root")
    args = parser.parse_args(argv)

    import torch

    from geogen.data.qm9 import load_qm9
    from geogen.data.smiles import read_smiles_file
    from geogen.metrics.molecule_reference import molecule_reference
    from geogen.metrics.molecules import evaluate_molecules

    torch.set_num_threads(args.threads)
    if args.samples:
        samples = read_smiles_file(Path(args.samples))[: args.num]
    else:
        generator = torch.Generator().manual_seed(0)
        train = load_qm9(root=args.root).smiles("gdss/train")
        samples = [train[i] for i in torch.randperm(len(train), generator=generator)[: args.num].tolist()]
    reference = molecule_reference("qm9", args.root)
    start = time.perf_counter()
    evaluate_molecules(samples[:50], reference)  # warm-up: builds/loads cached reference stats
    warm = time.perf_counter() - start
    timings: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    result = evaluate_molecules(samples, reference, timings=timings)
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"samples {len(samples)}, torch threads {args.threads}, warm-up (reference stats) {warm:.1f} s")
    print("  step          wall s    CPU s (all threads of this process)")
    for key, value in timings.items():
        if not key.endswith("_cpu"):
            print(f"  {key:12s} {value:7.2f}  {timings.get(key + '_cpu', float('nan')):7.2f}")
    print(f"total        {total:7.2f}  {total_cpu:7.2f}")
    print("(wall time on a machine shared with other jobs overstates the cost; CPU time is an upper "
          "bound of the wall time on otherwise idle cores)")
    print("metrics", {k: round(v, 4) for k, v in result.items()})
    return 0
