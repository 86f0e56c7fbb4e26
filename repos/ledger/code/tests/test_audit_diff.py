from ledger.audit.diff import Change, diff, flatten, summarize


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}


def test_flatten_keeps_empty_dicts():
    assert flatten({"a": {}}) == {"a": {}}


def test_diff_kinds_sorted():
    changes = diff({"b": 1, "c": 2, "a": 0}, {"a": 0, "b": 5, "d": 4})
    assert changes == [
        Change("b", "changed", 1, 5),
        Change("c", "removed", 2, None),
        Change("d", "added", None, 4),
    ]


def test_nested_diff():
    changes = diff({"terms": {"net": 30}}, {"terms": {"net": 45}})
    assert changes == [Change("terms.net", "changed", 30, 45)]


def test_no_changes():
    assert diff({"a": 1}, {"a": 1}) == []


def test_none_values_are_values():
    assert diff({"a": None}, {}) == [Change("a", "removed", None, None)]
    assert diff({}, {"a": None}) == [Change("a", "added", None, None)]


def test_describe():
    assert Change("x", "added", None, 1).describe() == "x: + 1"
    assert Change("x", "removed", 1, None).describe() == "x: - 1"
    assert Change("x", "changed", 1, 2).describe() == "x: 1 -> 2"


def test_summarize():
    assert summarize([Change("a", "changed", 1, 2), Change("b", "added", None, 3)]) == "a: 1 -> 2; b: + 3"
    assert summarize([]) == ""
