"""A machine's speed on two fixed workloads, printed beside benchmark results.

The official figures the benchmarks compare against are constants measured on earlier machines
of the same kind; machines of one kind (and one machine from hour to hour) differ by 20 % and
more. A float32 matrix product (compute-bound) and a large copy (memory-bound), timed at the
benchmark's thread count, let a reader see how fast the machine was during the run.
"""

from __future__ import annotations

import statistics
import time

import torch

__all__ = ["calibrate", "calibration_line"]


def _median_s(fn, repeats: int) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def calibrate(repeats: int = 5) -> dict[str, float]:
    """``{"sgemm_gflops": ..., "copy_gb_s": ...}``: a 2048³ float32 product and a 256 MB copy."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    gemm_s = _median_s(lambda: a @ b, repeats)
    src = torch.empty(1 << 26)  # 256 MB of float32
    src.fill_(1.0)
    dst = torch.empty_like(src)
    copy_s = _median_s(lambda: dst.copy_(src), repeats)
    return {"sgemm_gflops": 2 * 2048**3 / gemm_s / 1e9, "copy_gb_s": 2 * src.numel() * 4 / copy_s / 1e9}


def calibration_line() -> str:
    """One printable line with :func:`calibrate`'s figures."""
    figures = calibrate()
    return (f"machine: {torch.get_num_threads()} threads, float32 GEMM {figures['sgemm_gflops']:.0f} GFLOP/s, "
            f"copy {figures['copy_gb_s']:.1f} GB/s (read + write)")
