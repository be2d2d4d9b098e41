"""Self-tests of the suite."""

import os

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session", autouse=True)
def private_test_pki(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The self-tests (and the suite runs they start) keep their test PKI out of the user's own PKI folder."""
    os.environ["OCPP_CONFORMANCE_PKI_DIR"] = str(tmp_path_factory.mktemp("pki"))
