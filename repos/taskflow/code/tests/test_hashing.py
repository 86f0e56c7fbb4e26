import pytest

from taskflow.execution.hashing import canonical_json, fingerprint, normalize


def test_canonical_json_sorts_keys_and_compacts():
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_tuples_become_lists():
    assert normalize((1, (2, 3))) == [1, [2, 3]]


def test_integral_floats_equal_ints():
    assert canonical_json(2.0) == canonical_json(2)
    assert canonical_json(2.5) == "2.5"


def test_sets_are_sorted():
    assert normalize({3, 1, 2}) == {"__set__": [1, 2, 3]}
    assert canonical_json({"b", "a"}) == canonical_json({"a", "b"})


def test_nan_and_inf_encoded():
    assert normalize(float("nan")) == {"__float__": "nan"}
    assert normalize(float("-inf")) == {"__float__": "-inf"}


def test_non_string_keys_rejected():
    with pytest.raises(TypeError):
        normalize({1: "x"})


def test_unsupported_type_rejected():
    with pytest.raises(TypeError):
        normalize(object())


def test_fingerprint_stable_and_sensitive():
    base = fingerprint("load", (1, 2), {"region": "eu"})
    assert base == fingerprint("load", [1, 2], {"region": "eu"})
    assert len(base) == 16
    assert base != fingerprint("load", (2, 1), {"region": "eu"})
    assert base != fingerprint("load", (1, 2), {"region": "us"})
    assert base != fingerprint("save", (1, 2), {"region": "eu"})


def test_fingerprint_kwargs_order_irrelevant():
    assert fingerprint("t", (), {"a": 1, "b": 2}) == fingerprint("t", (), {"b": 2, "a": 1})


def test_fingerprint_known_value():
    assert fingerprint("t") == fingerprint("t", (), {})
    assert fingerprint("t") == "9bb9ad17a5aeb303"
