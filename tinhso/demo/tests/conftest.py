import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 on ~20 demo accounts dominates the test time; the hasher is not what is under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def loaded(db):
    from tinhso.demo import services

    return services.load_demo()
