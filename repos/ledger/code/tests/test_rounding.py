from decimal import Decimal

import pytest

from ledger.core.rounding import distribute, resolve_mode, round_to, round_to_increment, split_evenly

D = Decimal


def test_half_up():
    assert round_to(D("2.345"), 2) == D("2.35")
    assert round_to(D("-2.345"), 2) == D("-2.35")


def test_half_even():
    assert round_to(D("2.345"), 2, "half_even") == D("2.34")
    assert round_to(D("2.355"), 2, "half_even") == D("2.36")


def test_half_down():
    assert round_to(D("2.345"), 2, "half_down") == D("2.34")
    assert round_to(D("2.3451"), 2, "half_down") == D("2.35")


def test_directional_modes():
    assert round_to(D("2.341"), 2, "up") == D("2.35")
    assert round_to(D("2.349"), 2, "down") == D("2.34")
    assert round_to(D("-2.341"), 2, "ceiling") == D("-2.34")
    assert round_to(D("-2.341"), 2, "floor") == D("-2.35")


def test_zero_places():
    assert round_to(D("12.5"), 0) == D("13")


def test_mode_aliases():
    assert resolve_mode("HALF-EVEN") == resolve_mode("half_even")
    assert resolve_mode("bankers") == resolve_mode("half_even")
    assert resolve_mode(" Half Up ") == resolve_mode("half_up")


def test_unknown_mode():
    with pytest.raises(ValueError, match="sideways"):
        resolve_mode("sideways")


def test_round_to_increment():
    assert round_to_increment(D("3.02"), D("0.05")) == D("3.00")
    assert round_to_increment(D("3.025"), D("0.05")) == D("3.05")
    assert round_to_increment(D("3.074"), D("0.05")) == D("3.05")
    assert round_to_increment(D("3.076"), D("0.05")) == D("3.10")


def test_round_to_increment_modes_and_exponent():
    assert round_to_increment(D("3.01"), D("0.05"), "up") == D("3.05")
    assert str(round_to_increment(D("7"), D("0.25"))) == "7.00"


def test_round_to_increment_rejects_bad_increment():
    with pytest.raises(ValueError):
        round_to_increment(D("1"), D("0"))


def test_distribute_even():
    assert distribute(D("100.00"), [1, 1, 1], 2) == [D("33.34"), D("33.33"), D("33.33")]


def test_distribute_weighted():
    assert distribute(D("10.00"), [1, 2], 2) == [D("3.33"), D("6.67")]


def test_distribute_largest_remainder_goes_to_largest_fraction():
    # raw shares 0.0166.., 0.0333.. -> floors 1, 3 cents, leftover cent to the first (.67 > .33)
    assert distribute(D("0.05"), [1, 2], 2) == [D("0.02"), D("0.03")]


def test_distribute_negative_total():
    assert distribute(D("-10.00"), [1, 2], 2) == [D("-3.33"), D("-6.67")]


def test_distribute_sums_exactly():
    parts = distribute(D("1000.01"), [3, 7, 11, 13], 2)
    assert sum(parts) == D("1000.01")
    assert parts == [D("88.24"), D("205.88"), D("323.53"), D("382.36")]


def test_distribute_zero_weight_gets_nothing():
    assert distribute(D("5.00"), [0, 1], 2) == [D("0.00"), D("5.00")]


def test_distribute_errors():
    with pytest.raises(ValueError):
        distribute(D("1"), [], 2)
    with pytest.raises(ValueError):
        distribute(D("1"), [0, 0], 2)
    with pytest.raises(ValueError):
        distribute(D("1"), [1, -1], 2)


def test_split_evenly():
    assert split_evenly(D("0.05"), 3, 2) == [D("0.02"), D("0.02"), D("0.01")]
    assert split_evenly(D("7"), 2, 0) == [D("4"), D("3")]
    with pytest.raises(ValueError):
        split_evenly(D("1"), 0, 2)


def test_split_into_one_part():
    assert split_evenly(D("9.99"), 1, 2) == [D("9.99")]


def test_distribute_zero_total():
    assert distribute(D("0"), [1, 3], 2) == [D("0.00"), D("0.00")]
