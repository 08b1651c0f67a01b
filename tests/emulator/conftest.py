"""Fixtures of the emulator's own tests."""

import pytest

from ecl_emulator.testing import TenantSession


@pytest.fixture
def acme(emulator) -> TenantSession:
    """A fresh tenant at the emulator with a token, and no apps. test_emulator_robustness.py adds
    an app to it; test_emulator_identity.py's `acme` is other: the credentials alone."""
    return TenantSession.create(emulator)
