"""Pytest fixtures of the ECL emulator; registered by conftest.py through `pytest_plugins`."""

from collections.abc import Iterator

import pytest

from ecl_emulator.control import EmulatorControl
from ecl_emulator.testing import RunningEmulator, start_emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    """One emulator for the test session (per xdist worker)."""
    server = start_emulator()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server: RunningEmulator) -> Iterator[EmulatorControl]:
    """The session's emulator, reset to a clean state for each test."""
    emulator_server.control.reset()
    yield emulator_server.control
