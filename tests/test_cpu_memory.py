"""The command line's allocator setting: applied on Linux/glibc, switchable off."""

import sys

import pytest

from geogen.cpu_memory import retain_freed_memory


def test_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv("GEOGEN_MALLOC_TUNING", "0")
    assert retain_freed_memory() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_applied_on_linux(monkeypatch):
    monkeypatch.delenv("GEOGEN_MALLOC_TUNING", raising=False)
    assert retain_freed_memory() is True
