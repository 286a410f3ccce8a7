"""The analysis loader shares equal stored values among samples without conflating different ones."""

from __future__ import annotations

from frontiergate.analysis.load import _Shared


def test_equal_json_values_become_one_object_and_keep_their_content() -> None:
    shared = _Shared()
    a = shared({"label": "refusal", "cues": {"decline": 1}, "tags": ["x", "y"]})
    b = shared({"label": "refusal", "cues": {"decline": 1}, "tags": ["x", "y"]})
    assert a is b
    assert a == {"label": "refusal", "cues": {"decline": 1}, "tags": ["x", "y"]}
    assert shared(["role_play", "base64"]) is shared(["role_play", "base64"])


def test_values_equal_in_python_but_not_in_json_stay_apart() -> None:
    shared = _Shared()
    one, one_float, true = shared({"v": 1}), shared({"v": 1.0}), shared({"v": True})
    assert one is not one_float and one is not true and one_float is not true
    assert type(one["v"]) is int and type(one_float["v"]) is float and type(true["v"]) is bool


def test_key_order_is_kept_and_distinct_orders_are_not_merged() -> None:
    shared = _Shared()
    ab, ba = shared({"a": 1, "b": 2}), shared({"b": 2, "a": 1})
    assert list(ab) == ["a", "b"] and list(ba) == ["b", "a"]


def test_unserialisable_and_long_values_are_still_returned_whole() -> None:
    shared = _Shared()
    odd = {"when": object()}
    assert shared(odd)["when"] is odd["when"]
    long = {"text": "z" * 10_000}
    assert shared(long) == long
    assert shared(None) is None and shared(3) == 3 and shared([]) == []
