import pytest

from ledger.accounts.types import AccountType, Side, parse_account_type, parse_side, type_for_code
from ledger.core.errors import InvalidAccountCodeError


def test_normal_sides():
    assert AccountType.ASSET.normal_side is Side.DEBIT
    assert AccountType.EXPENSE.normal_side is Side.DEBIT
    assert AccountType.LIABILITY.normal_side is Side.CREDIT
    assert AccountType.EQUITY.normal_side is Side.CREDIT
    assert AccountType.INCOME.normal_side is Side.CREDIT


def test_balance_sheet_and_temporary():
    assert [t.is_balance_sheet for t in AccountType] == [True, True, True, False, False]
    assert [t.is_temporary for t in AccountType] == [False, False, False, True, True]


def test_side_opposite_and_short():
    assert Side.DEBIT.opposite is Side.CREDIT
    assert Side.CREDIT.opposite is Side.DEBIT
    assert Side.DEBIT.short == "Dr"
    assert Side.CREDIT.short == "Cr"


def test_parse_side():
    assert parse_side("DR") is Side.DEBIT
    assert parse_side("Cr.") is Side.CREDIT
    assert parse_side(" credit ") is Side.CREDIT
    assert parse_side("d") is Side.DEBIT
    assert parse_side(Side.CREDIT) is Side.CREDIT
    with pytest.raises(ValueError):
        parse_side("left")


def test_parse_account_type_aliases():
    assert parse_account_type("Revenue") is AccountType.INCOME
    assert parse_account_type("liabilities") is AccountType.LIABILITY
    assert parse_account_type("capital") is AccountType.EQUITY
    assert parse_account_type("cost") is AccountType.EXPENSE
    assert parse_account_type(AccountType.ASSET) is AccountType.ASSET
    with pytest.raises(ValueError):
        parse_account_type("stuff")


def test_type_for_code():
    assert type_for_code("1000") is AccountType.ASSET
    assert type_for_code("2100") is AccountType.LIABILITY
    assert type_for_code("3100") is AccountType.EQUITY
    assert type_for_code("4000.01") is AccountType.INCOME
    assert type_for_code("5000") is AccountType.EXPENSE
    assert type_for_code("9999") is AccountType.EXPENSE


def test_type_for_code_errors():
    with pytest.raises(InvalidAccountCodeError):
        type_for_code("0100")
    with pytest.raises(InvalidAccountCodeError):
        type_for_code("")
