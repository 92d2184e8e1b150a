import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.suppliers.uscc import CHARSET, problem
from tests.factories import valid_uscc

# Published codes of real organisations.
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M000100I43", "outside the code set: I"),
        ("91350100m000100Y43", "outside the code set"),
        ("91350100M000100Y44", "check character"),
        ("913501X0M000100Y43", "division code"),
    ],
)
def test_corrupted_codes_say_why(code, why):
    assert why in problem(code)


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=0, max_value=16), st.data())
def test_any_single_character_change_is_caught(seed, position, data):
    code = valid_uscc(random.Random(seed))
    assert problem(code) is None
    replacement = data.draw(st.sampled_from([c for c in CHARSET if c != code[position]]))
    if 2 <= position <= 7 and not replacement.isdigit():
        replacement = str((int(code[position]) + 1) % 10)
    corrupted = code[:position] + replacement + code[position + 1 :]
    assert problem(corrupted) is not None
