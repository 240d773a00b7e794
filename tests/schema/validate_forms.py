#!/usr/bin/env python3
"""Checks form definitions against schema/form.schema.json.

Usage: validate_forms.py SCHEMA FORM.json...

Validates each form (after checking the schema itself), printing "ok: PATH" or
one line per error with its JSON path. Then builds a few broken forms in memory
and makes sure the schema rejects each for the intended reason, so a schema
that accepts everything cannot pass. Ends with "N passed, M failed" and exits
1 if anything failed.
"""

import copy
import json
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"error: the jsonschema module is missing ({e}); install python3-jsonschema", file=sys.stderr)
    sys.exit(1)


def json_path(error):
    """The error's location as a JSONPath ("$.items[0].name")."""
    path = getattr(error, "json_path", None)
    if path:
        return path
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def errors_of(validator, instance):
    return sorted(validator.iter_errors(instance), key=lambda e: (json_path(e), e.message))


# A small form the schema must accept; the broken variants below each change
# one thing in it.
BASE_FORM = {
    "id": "selfcheck",
    "version": "1",
    "title": {"en": "Self-check"},
    "default_language": "en",
    "languages": ["en"],
    "anonymous": True,
    "suppression_threshold": 10,
    "lists": {
        "agree3": [
            {"name": "1", "label": {"en": "Disagree"}, "polarity": "negative"},
            {"name": "2", "label": {"en": "Neither"}, "polarity": "neutral"},
            {"name": "3", "label": {"en": "Agree"}, "polarity": "positive"},
            {"name": "dk", "label": "Don't know", "exclude": True},
        ]
    },
    "items": [
        {
            "type": "group",
            "name": "g1",
            "label": {"en": "Section"},
            "items": [
                {"type": "select_one", "name": "q1", "label": {"en": "Q1"}, "list": "agree3", "required": True},
                {"type": "likert", "name": "q2", "label": "Q2", "list": "agree3", "required": "${q1} != ''"},
            ],
        }
    ],
}


def unknown_item_key(f):
    f["items"][0]["items"][0]["colour"] = "red"


def select_one_without_list(f):
    del f["items"][0]["items"][0]["list"]


def bad_polarity(f):
    f["lists"]["agree3"][0]["polarity"] = "bad"


def upper_case_id(f):
    f["id"] = "SelfCheck"


# (what, how to break the base form, (validator keyword, JSON path) the
# rejection must include)
BROKEN = [
    ("unknown item key", unknown_item_key, ("additionalProperties", "$.items[0].items[0]")),
    ("select_one without list", select_one_without_list, ("required", "$.items[0].items[0]")),
    ("bad polarity", bad_polarity, ("enum", "$.lists.agree3[0].polarity")),
    ("id with upper case", upper_case_id, ("pattern", "$.id")),
]


def main(argv):
    if len(argv) < 3:
        print("usage: validate_forms.py SCHEMA FORM.json...", file=sys.stderr)
        return 2
    passed = failed = 0

    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
    except Exception as e:  # unreadable, not JSON, or not a valid schema
        print(f"FAIL: {argv[1]}: not a valid draft 2020-12 schema: {e}")
        print("0 passed, 1 failed")
        return 1
    validator = Draft202012Validator(schema)

    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                form = json.load(f)
        except (OSError, ValueError) as e:
            print(f"FAIL: {path}: cannot read JSON: {e}")
            failed += 1
            continue
        errors = errors_of(validator, form)
        if errors:
            for e in errors:
                print(f"FAIL: {path}: {json_path(e)}: {e.message}")
            failed += 1
        else:
            print(f"ok: {path}")
            passed += 1

    base_errors = errors_of(validator, BASE_FORM)
    for e in base_errors:
        print(f"FAIL: self-check base form: {json_path(e)}: {e.message}")
    for what, breaker, (keyword, where) in BROKEN:
        if base_errors:
            print(f"FAIL: broken variant '{what}': the base form is already rejected, so this proves nothing")
            failed += 1
            continue
        form = copy.deepcopy(BASE_FORM)
        breaker(form)
        errors = errors_of(validator, form)
        if not errors:
            print(f"FAIL: broken variant '{what}' was accepted")
            failed += 1
        elif not any(e.validator == keyword and json_path(e) == where for e in errors):
            print(f"FAIL: broken variant '{what}' was rejected, but not by '{keyword}' at {where}:")
            for e in errors:
                print(f"  {json_path(e)}: {e.validator}: {e.message}")
            failed += 1
        else:
            print(f"ok: broken variant '{what}' rejected ({keyword} at {where})")
            passed += 1

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
