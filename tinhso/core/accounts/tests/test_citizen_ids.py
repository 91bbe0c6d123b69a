import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.accounts import citizen_ids
from tinhso.core.accounts.citizen_ids import InvalidCitizenId


@pytest.mark.parametrize("raw", ["093201000123", "001 099 123 456", "079.301.000.001"])
def test_valid_numbers_are_normalised(raw):
    number = citizen_ids.validate(raw)
    assert len(number) == 12 and number.isdigit()


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "0932010001234", "09320100012a", "003201000123", "999201000123", "093-20100012"],
)
def test_invalid_numbers_are_refused_without_echo(raw):
    with pytest.raises(InvalidCitizenId) as info:
        citizen_ids.validate(raw)
    assert raw.strip() == "" or raw not in str(info.value.as_dict())


def test_digest_is_stable_and_keyed(settings):
    first = citizen_ids.digest("093201000123")
    assert first == citizen_ids.digest("093201000123")
    settings.CITIZEN_ID_KEY = "another-key"
    assert citizen_ids.digest("093201000123") != first


@given(st.from_regex(r"\A\d{9}\Z"))
def test_encryption_round_trips(tail):
    number = "093" + tail
    token = citizen_ids.encrypt(number)
    assert number not in token
    assert citizen_ids.decrypt(token) == number


def test_mask_shows_only_last_three():
    assert citizen_ids.mask("093201000123") == "*********123"
