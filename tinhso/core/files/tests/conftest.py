"""Fixtures of the files tests: a fake clamd on a UNIX or TCP socket, citizens."""

import os
import shutil
import socket
import tempfile

import pytest

from tinhso.core.files.tests.samples import FakeClamd


@pytest.fixture
def fake_clamd_unix():
    # A short directory: UNIX socket paths are limited to about 100 bytes.
    directory = tempfile.mkdtemp(prefix="clamd")
    server = FakeClamd(socket.AF_UNIX, os.path.join(directory, "clamd.sock"))
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def fake_clamd_tcp():
    server = FakeClamd(socket.AF_INET, ("127.0.0.1", 0))
    yield server
    server.stop()


@pytest.fixture
def citizen(make_citizen):
    return make_citizen()


@pytest.fixture
def other_citizen(make_citizen):
    return make_citizen(full_name="Lê Văn Khác")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Citizens and officers are created for most tests; argon2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
