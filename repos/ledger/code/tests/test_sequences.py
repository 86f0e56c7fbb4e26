import pytest

from ledger.core.errors import SequenceError
from ledger.core.sequences import Sequence


def test_yearly_numbers():
    seq = Sequence("INV")
    assert seq.next(2024) == "INV-2024-0001"
    assert seq.next(2024) == "INV-2024-0002"


def test_counter_restarts_each_year():
    seq = Sequence("INV")
    seq.next(2024)
    seq.next(2024)
    assert seq.next(2025) == "INV-2025-0001"
    assert seq.next(2024) == "INV-2024-0003"


def test_year_required():
    with pytest.raises(SequenceError, match="needs a year"):
        Sequence("INV").next()


def test_plain_sequence():
    seq = Sequence("CN", width=3, start=10, per_year=False)
    assert seq.next() == "CN-010"
    assert seq.next(2024) == "CN-011"


def test_peek_does_not_advance():
    seq = Sequence("PAY", per_year=False)
    assert seq.peek() == "PAY-0001"
    assert seq.peek() == "PAY-0001"
    assert seq.next() == "PAY-0001"
    assert seq.peek() == "PAY-0002"


def test_exhaustion():
    seq = Sequence("X", width=2, start=99, per_year=False)
    assert seq.next() == "X-99"
    with pytest.raises(SequenceError, match="exhausted"):
        seq.next()


def test_set_next_forward_only():
    seq = Sequence("JE", per_year=False)
    seq.set_next(50)
    assert seq.next() == "JE-0050"
    with pytest.raises(SequenceError):
        seq.set_next(10)
    seq.set_next(51)
    assert seq.next() == "JE-0051"


def test_custom_separator():
    seq = Sequence("INV", separator="/")
    assert seq.next(2024) == "INV/2024/0001"


def test_parse():
    seq = Sequence("INV")
    assert seq.parse("INV-2024-0042") == (2024, 42)
    assert Sequence("CN", per_year=False).parse("CN-0007") == (None, 7)


def test_parse_rejects_foreign_numbers():
    with pytest.raises(SequenceError):
        Sequence("INV").parse("CN-2024-0001")
    with pytest.raises(SequenceError):
        Sequence("INV").parse("INV-24-0001")


def test_invalid_configuration():
    with pytest.raises(SequenceError):
        Sequence("")
    with pytest.raises(SequenceError):
        Sequence("A B")
    with pytest.raises(SequenceError):
        Sequence("INV", width=0)
    with pytest.raises(SequenceError):
        Sequence("INV", start=-1)


def test_minimal_width_and_zero_start():
    seq = Sequence("N", width=1, start=0, per_year=False)
    assert seq.next() == "N-0"
    seq.set_next(9)
    assert seq.next() == "N-9"
    with pytest.raises(SequenceError, match="10 does not fit in 1 digits"):
        seq.next()
