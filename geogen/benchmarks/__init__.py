"""Benchmarks behind `geogen benchmark NAME`: one module each, with ``main(argv) -> int``."""
