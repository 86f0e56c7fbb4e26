from datetime import date

import pytest

from conftest import make_entry
from ledger.accounts.types import Side
from ledger.journal.reversal import accrual_with_reversal, is_reversal_of, reverse_entry


def sample():
    return make_entry("JE-1", date(2024, 1, 31), ("6100", "dr", "500"), ("2000", "cr", "500"),
                      description="Accrued wages")


def test_reverse_swaps_sides():
    rev = reverse_entry(sample(), "JE-2")
    assert [(p.account, p.side) for p in rev.postings] == [("6100", Side.CREDIT), ("2000", Side.DEBIT)]
    assert rev.is_balanced()


def test_reverse_defaults():
    rev = reverse_entry(sample(), "JE-2")
    assert rev.date == date(2024, 1, 31)
    assert rev.description == "Reversal of JE-1"
    assert rev.reference == "JE-1"
    assert not rev.is_posted


def test_reverse_custom_date_and_description():
    rev = reverse_entry(sample(), "JE-2", date(2024, 2, 1), "Undo")
    assert rev.date == date(2024, 2, 1)
    assert rev.description == "Undo"


def test_is_reversal_of():
    original = sample()
    assert is_reversal_of(reverse_entry(original, "JE-2"), original)
    assert not is_reversal_of(original, original)


def test_is_reversal_of_amount_mismatch():
    original = sample()
    other = make_entry("JE-3", date(2024, 2, 1), ("6100", "cr", "400"), ("2000", "dr", "400"))
    assert not is_reversal_of(other, original)


def test_accrual_with_reversal():
    accrual, rev = accrual_with_reversal(sample(), "JE-2", date(2024, 2, 1))
    assert rev.date == date(2024, 2, 1)
    assert rev.description == "Auto-reversal of JE-1"
    assert is_reversal_of(rev, accrual)


def test_accrual_reversal_must_be_later():
    with pytest.raises(ValueError):
        accrual_with_reversal(sample(), "JE-2", date(2024, 1, 31))
