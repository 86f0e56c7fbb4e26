import pytest

from ledger.accounts.types import Side
from ledger.core.errors import InvalidAccountCodeError, InvalidAmountError
from ledger.core.money import Money
from ledger.journal.posting import Posting, from_signed


def test_debit_and_credit_constructors():
    d = Posting.debit("1000", Money("5"))
    c = Posting.credit("4000", Money("5"))
    assert d.side is Side.DEBIT and d.is_debit
    assert c.side is Side.CREDIT and not c.is_debit


def test_side_parsed_from_text():
    assert Posting("1000", "cr", Money("1")).side is Side.CREDIT


def test_account_code_validated():
    assert Posting(" 1000 ", Side.DEBIT, Money("1")).account == "1000"
    with pytest.raises(InvalidAccountCodeError):
        Posting("10", Side.DEBIT, Money("1"))


def test_amount_must_be_positive_money():
    with pytest.raises(InvalidAmountError):
        Posting("1000", Side.DEBIT, Money("0"))
    with pytest.raises(InvalidAmountError):
        Posting("1000", Side.DEBIT, Money("-1"))
    with pytest.raises(InvalidAmountError):
        Posting("1000", Side.DEBIT, "5.00")


def test_signed():
    assert Posting.debit("1000", Money("5")).signed == Money("5")
    assert Posting.credit("1000", Money("5")).signed == Money("-5")


def test_flipped():
    p = Posting.debit("1000", Money("5"), "memo")
    f = p.flipped()
    assert (f.account, f.side, f.amount, f.memo) == ("1000", Side.CREDIT, Money("5"), "memo")


def test_str():
    assert str(Posting.credit("4000", Money("12.5"))) == "Cr 4000 12.50 USD"


def test_from_signed():
    assert from_signed("1000", Money("-3")).side is Side.CREDIT
    assert from_signed("1000", Money("-3")).amount == Money("3")
    assert from_signed("1000", Money("3")).side is Side.DEBIT
    with pytest.raises(InvalidAmountError):
        from_signed("1000", Money("0"))
