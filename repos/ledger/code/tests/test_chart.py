import pytest

from ledger.accounts.chart import Account, ChartOfAccounts, default_chart
from ledger.accounts.types import AccountType, Side
from ledger.core.errors import AccountNotFoundError, DuplicateAccountError, LedgerError


def test_default_chart_size_and_order(chart):
    codes = [a.code for a in chart]
    assert len(chart) == 18
    assert codes[:3] == ["1000", "1100", "1200"]
    assert codes[-1] == "6900"


def test_account_normalizes_fields():
    a = Account(" 1000 ", " Cash ", "assets", "usd")
    assert (a.code, a.name, a.type, a.currency) == ("1000", "Cash", AccountType.ASSET, "USD")


def test_account_needs_name():
    with pytest.raises(LedgerError):
        Account("1000", "  ", AccountType.ASSET)


def test_contra_flips_normal_side(chart):
    assert chart.get("1510").normal_side is Side.CREDIT
    assert chart.get("1500").normal_side is Side.DEBIT
    assert chart.get("4900").normal_side is Side.DEBIT
    assert chart.get("4000").normal_side is Side.CREDIT


def test_get_missing(chart):
    with pytest.raises(AccountNotFoundError, match="9999"):
        chart.get("9999")


def test_contains(chart):
    assert "1000" in chart
    assert " 1000" in chart
    assert "1001" not in chart
    assert 1000 not in chart


def test_duplicate(chart):
    with pytest.raises(DuplicateAccountError):
        chart.add(Account("1000", "Cash again", AccountType.ASSET))


def test_sub_accounts(chart):
    chart.add(Account("1000.01", "Petty cash", AccountType.ASSET))
    chart.add(Account("1000.02", "Bank", AccountType.ASSET))
    assert [a.code for a in chart.children("1000")] == ["1000.01", "1000.02"]
    assert chart.get("1000.02").parent == "1000"
    assert not chart.is_leaf("1000")
    assert chart.is_leaf("1000.01")


def test_descendants_sorted_numerically(chart):
    chart.add(Account("1000.9", "A", AccountType.ASSET))
    chart.add(Account("1000.10", "B", AccountType.ASSET))
    chart.add(Account("1000.9.1", "C", AccountType.ASSET))
    assert [a.code for a in chart.descendants("1000")] == ["1000.9", "1000.9.1", "1000.10"]
    assert [a.code for a in chart.children("1000")] == ["1000.9", "1000.10"]


def test_sub_account_requires_parent(chart):
    with pytest.raises(AccountNotFoundError):
        chart.add(Account("1300.01", "Orphan", AccountType.ASSET))


def test_sub_account_type_must_match(chart):
    with pytest.raises(LedgerError, match="same type"):
        chart.add(Account("1000.01", "Wrong", AccountType.EXPENSE))


def test_sub_account_currency_must_match(chart):
    with pytest.raises(LedgerError, match="USD"):
        chart.add(Account("1000.01", "Euro cash", AccountType.ASSET, "EUR"))


def test_leaves(chart):
    chart.add(Account("1000.01", "Petty cash", AccountType.ASSET))
    leaves = [a.code for a in chart.leaves()]
    assert "1000" not in leaves
    assert leaves[:2] == ["1000.01", "1100"]


def test_find_by_name(chart):
    assert chart.find_by_name("accounts receivable").code == "1100"
    with pytest.raises(AccountNotFoundError):
        chart.find_by_name("Nope")


def test_of_type(chart):
    assert [a.code for a in chart.of_type("equity")] == ["3000", "3100"]
    assert len(chart.of_type(AccountType.EXPENSE)) == 5


def test_deactivate(chart):
    chart.deactivate("6900")
    assert chart.get("6900").active is False


def test_cannot_deactivate_parent_with_active_children(chart):
    chart.add(Account("1000.01", "Petty cash", AccountType.ASSET))
    with pytest.raises(LedgerError):
        chart.deactivate("1000")
    chart.deactivate("1000.01")
    chart.deactivate("1000")
    assert not chart.get("1000").active


def test_rename(chart):
    chart.rename("1000", " Bank ")
    assert chart.get("1000").name == "Bank"
    with pytest.raises(LedgerError):
        chart.rename("1000", "")


def test_default_chart_currency():
    chart = default_chart("EUR")
    assert {a.currency for a in chart} == {"EUR"}


def test_construct_from_iterable():
    chart = ChartOfAccounts([Account("1000", "Cash", "asset"), Account("1000.01", "Till", "asset")])
    assert len(chart) == 2


def test_add_returns_account(chart):
    account = Account("1300", "Prepaid Expenses", AccountType.ASSET)
    assert chart.add(account) is account


def test_default_chart_contra_accounts(chart):
    assert [a.code for a in chart if a.contra] == ["1510", "4900"]
