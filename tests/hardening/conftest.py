"""The sweeps report what they covered at the end of the run."""

from __future__ import annotations

import pytest

from tests.hardening import sweeps


def pytest_terminal_summary(terminalreporter):
    if not sweeps.COUNTS:
        return
    terminalreporter.section("hardening sweeps")
    for name, counts in sorted(sweeps.COUNTS.items()):
        figures = ", ".join(f"{value} {key}" for key, value in counts.items())
        terminalreporter.write_line(f"{name}: {figures}")


@pytest.fixture
def sweep(world) -> sweeps.SweepWorld:
    return sweeps.build(world)
