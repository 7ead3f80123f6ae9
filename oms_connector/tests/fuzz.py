# Copyright 2026 The OMS Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mutations of real sample payloads for the fuzz tests of the public routes (issue 17): what
a sender can write in JSON, and Python's JSON reads, but no platform documents. Reproducible:
every choice comes from the ``random.Random`` given."""

import copy
import json

#: texts a database or a parser chokes on
BAD_TEXTS = [
    "A\x00B",
    "\x00",
    "\ud800",
    "x\udfffy",
    "\ud83d",
    "",
    " ",
    "abc",
    "\u202e\u0000rtl",
    "\x1b[31m",
    "٣",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2026-02-30T00:00:00Z",
    "1e308",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "1" * 400,
]
#: numbers out of any range an order has
BAD_NUMBERS = [
    0,
    -1,
    -1e9,
    1e308,
    -1e308,
    10**30,
    -(10**30),
    float("nan"),
    float("inf"),
    float("-inf"),
    1e-12,
    0.0001,
    2**63,
]
OTHER_VALUES = [True, False, None, [], {}, [1, "a", None], {"a": {"b": None}}]


def deep_nesting(rng):
    value = rng.choice([1, "x", None])
    for _level in range(rng.choice([70, 200, 900])):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def _slots(value, slots=None):
    """Every (container, key) of ``value``, nested ones included."""
    slots = [] if slots is None else slots
    if isinstance(value, dict):
        for key, child in value.items():
            slots.append((value, key))
            _slots(child, slots)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            slots.append((value, index))
            _slots(child, slots)
    return slots


def bad_value(rng):
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(BAD_TEXTS)
    if kind < 0.75:
        return rng.choice(BAD_NUMBERS)
    if kind < 0.9:
        return copy.deepcopy(rng.choice(OTHER_VALUES))
    if kind < 0.95:
        return "x" * rng.choice([300, 5000, 70000])
    return deep_nesting(rng)


def mutate(rng, payload, max_mutations=3):
    """A copy of ``payload`` with 1 to ``max_mutations`` random mutations: a value replaced
    by a bad one, a key removed, a value wrapped in deep nesting, a list grown."""
    payload = copy.deepcopy(payload)
    for _round in range(rng.randint(1, max_mutations)):
        slots = _slots(payload)
        if not slots:
            break
        container, key = rng.choice(slots)
        action = rng.random()
        if action < 0.65:
            container[key] = bad_value(rng)
        elif action < 0.85 and isinstance(container, dict):
            del container[key]
        elif action < 0.92:
            container[key] = deep_nesting(rng)
        elif isinstance(container[key], list) and container[key]:
            container[key] = container[key] * rng.choice([2, 50])
        else:
            container[key] = bad_value(rng)
    return payload


def to_json(payload):
    """The body as a sender would write it; Python writes ``NaN`` and ``Infinity`` too."""
    try:
        return json.dumps(payload, allow_nan=True).encode()
    except RecursionError:
        return b'{"id": ' + b"[" * 5000 + b"]" * 5000 + b"}"
