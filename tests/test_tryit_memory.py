"""Peak memory of a trial (lib.tryit.memory): the kernel's peak RSS reset and read, or a sampling thread."""

from __future__ import annotations

import time

import pytest

from lib.tryit import memory

PAGE = 4096


def _transient(mib: int, *, hold: float = 0.0) -> None:
    """Touch `mib` MiB of fresh anonymous memory, then give it back to the system for sure (munmap). A numpy block
    would do only in a small process: in a large one (a full test run) malloc may keep a freed block resident, and
    then nothing was transient."""
    import mmap

    block = mmap.mmap(-1, mib * 2**20)
    for offset in range(0, mib * 2**20, PAGE):
        block[offset] = 1
    if hold:
        time.sleep(hold)
    block.close()


@pytest.mark.parametrize("mode", ["kernel", "sampling"])
def test_peak_memory_sees_a_transient_allocation(mode, monkeypatch, tmp_path):
    """The 64 MiB block is freed before the meter stops: only a peak measurement sees it. "kernel" is Linux's
    VmHWM (reset at start); "sampling" is the fallback thread where /proc/self/clear_refs cannot be written."""
    import psutil

    if mode == "kernel" and not memory.reset_hwm():
        pytest.skip("this kernel does not let a process reset its peak RSS")
    if mode == "sampling":
        monkeypatch.setattr(memory, "_CLEAR_REFS", tmp_path / "missing" / "clear_refs")
    before = psutil.Process().memory_info().rss
    with memory.PeakMemory() as meter:
        _transient(64, hold=0.1 if mode == "sampling" else 0.0)  # the sampler's interval is 10 ms
    after = psutil.Process().memory_info().rss
    assert meter.peak_bytes - max(before, after) >= 48 * 2**20
    assert meter.peak_vram_bytes is None  # no CUDA here


def test_a_second_meter_does_not_reset_the_first_ones_peak():
    import psutil

    if not memory.reset_hwm():
        pytest.skip("this kernel does not let a process reset its peak RSS")
    first = memory.PeakMemory().start()
    _transient(64)
    second = memory.PeakMemory().start()  # another session's trial starts while the first is measured
    second.stop()
    first.stop()
    assert first.peak_bytes - psutil.Process().memory_info().rss >= 48 * 2**20  # the block, still seen


@pytest.mark.parametrize("mode", ["kernel", "sampling"])
def test_growth_is_the_windows_own_not_the_process_peak(mode, monkeypatch, tmp_path):
    """A process that once held 96 MiB (its peak) then measures a 32 MiB allocation: the window's growth is the
    32 MiB, far below the process's peak over its life."""
    import numpy as np

    if mode == "kernel" and not memory.reset_hwm():
        pytest.skip("this kernel does not let a process reset its peak RSS")
    if mode == "sampling":
        monkeypatch.setattr(memory, "_CLEAR_REFS", tmp_path / "missing" / "clear_refs")
    earlier = np.ones(96 * 2**20 // 8)
    del earlier
    memory.release()
    with memory.PeakMemory() as meter:
        block = np.ones(32 * 2**20 // 8)
        if mode == "sampling":
            time.sleep(0.1)
        del block
    assert 28 * 2**20 <= meter.growth_bytes <= 60 * 2**20, meter.growth_bytes


def test_a_footprint_after_a_rerun_keeps_the_larger_of_its_peak_and_what_it_kept_plus_the_run():
    first = memory.Footprint(peak=100, resident=60)
    run = memory.PeakMemory()
    run.start_bytes, run.peak_bytes = 1_000, 1_030  # the run added 30: 60 + 30 < 100
    assert first.rerun(run) == memory.Footprint(peak=100, resident=60)
    run.peak_bytes = 1_070  # the run added 70: 60 + 70 > 100
    assert first.rerun(run) == memory.Footprint(peak=130, resident=60)
