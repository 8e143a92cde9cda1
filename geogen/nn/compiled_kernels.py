"""Small elementwise kernels compiled with ``torch.compile``, with an eager fallback.

On the CPU, PyTorch's eager pointwise kernels for transcendental functions (``exp`` in ELU,
``tanh``) run several times below what the vector units allow, and a chain of them writes every
intermediate to memory. ``torch.compile`` turns such a chain into one vectorised loop. Compiling
costs seconds once per process (and is cached on disk), so callers use these kernels only for
tensors large enough to pay for it. Where compiling is impossible (no C++ compiler, an
unsupported backend) the same functions run eagerly, with one warning: same results, slower.
"""

from __future__ import annotations

import functools
import warnings
from typing import Callable

import torch

__all__ = ["CompiledKernels", "default_kernels"]


class CompiledKernels:
    """Named functions compiled on first use; eager (with a warning) once compiling has failed.

    Args:
        compile: False runs every function eagerly (reference tests).

    Attributes:
        enabled: False once compiling failed. Callers with a cheaper unfused path than the
            eager form of a kernel check it and switch.
    """

    def __init__(self, compile: bool = True) -> None:
        self._compile = compile
        self._compiled: dict[str, Callable] = {}
        self.enabled = True

    def _get(self, name: str, eager: Callable, dynamic: bool | None) -> Callable:
        if not self._compile:
            return eager
        if name not in self._compiled:
            self._compiled[name] = torch.compile(eager, dynamic=dynamic)
        return self._compiled[name]

    def run(self, name: str, eager: Callable, *args, dynamic: bool | None = None):
        """Call the compiled ``name`` (compiled from ``eager`` on first use) on ``args``.

        Args:
            dynamic: passed to ``torch.compile`` (True: one kernel for every size, for
                elementwise functions of flattened tensors).
        """
        try:
            return self._get(name, eager, dynamic)(*args)
        except Exception as error:  # noqa: BLE001 - any backend failure: same maths, eagerly
            if not self._compile:
                raise
            warnings.warn(f"torch.compile failed for {name!r} ({type(error).__name__}); running it and the "
                          "other compiled kernels eagerly (same results, slower)", RuntimeWarning, stacklevel=2)
            self._compile = False
            self.enabled = False
            return eager(*args)


@functools.cache
def default_kernels() -> CompiledKernels:
    """The process-wide kernels (a cache: compiling once per process is the point)."""
    return CompiledKernels()
