#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (valid and near-valid inputs).

Byte layouts follow docs/protocol.md and shared/include/equitas/wire/*.hpp.
Run from anywhere: python3 fuzz/make_seeds.py. Files found by fuzzing
(crash-*, regression-*) are kept; seed-* files are rewritten.
"""
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def lp(b):
    if isinstance(b, str):
        b = b.encode()
    return varint(len(b)) + b


def envelope(form="staff-climate", version="3", revision=1, sealed_len=60):
    return (bytes([1]) + bytes(range(16)) + bytes(range(16, 32)) + varint(revision) + lp(form) + lp(version)
            + lp(bytes(sealed_len)) + bytes(64))


def write(target, files):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    for name, data in files.items():
        if isinstance(data, str):
            data = data.encode()
        (d / ("seed-" + name)).write_bytes(data)


def envelope_seeds():
    env = envelope()
    return {
        "envelope": env,
        "envelope-rev-300": envelope(revision=300),
        "envelope-truncated": env[:-10],
        "envelope-trailing": env + b"\0",
        "envelope-bad-version": b"\x02" + env[1:],
        "welcome": bytes([0x10, 1]) + varint(1_795_000_000) + lp("Northern land post") + varint(1024) + varint(4 << 20),
        "error": bytes([0x11, 5]) + lp("authentication failed"),
        "push": bytes([0x20]) + varint(7) + varint(2) + lp(env) + lp(envelope(revision=2)),
        "ack": bytes([0x21]) + varint(7) + varint(3) + bytes([0, 1, 3, 6]) + lp("invalid answers"),
        "forms-request": bytes([0x30]) + varint(1) + lp("staff-climate") + lp("3") + lp("2026-baseline"),
        "forms-update": bytes([0x31, 0]) + varint(1) + lp("f") + lp("1") + lp("r") + lp('{"id":"f"}') + bytes(64),
        "empty": b"",
    }


def expression_seeds():
    exprs = [
        "${a} > 1 and selected(${b}, 'x') or ${a} = ${c}",
        ". >= 18 and . <= 70",
        "regex(., '^[A-Z]{2}[0-9]+$')",
        "if(${x} = 'yes', concat(${a}, '-', string(${b})), coalesce(${c}, 'none'))",
        "count-selected(${m}) div 2 mod 3 - -1 * round(number('2.5'), 1)",
        "string-length(\"text\") != int(3.7) and not(false()) and boolean(1) = true()",
        ". <= today()",
        "zone = ${zone}",
        "count(${plan}) > 0",
        "((((1))))",
        "${unclosed",
        "1 +",
    ]
    return {f"{i:02d}": e for i, e in enumerate(exprs)}


SMALL_FORM = {
    "id": "fuzz-form", "version": "1", "default_language": "en", "languages": ["en", "fr"],
    "title": {"en": "Fuzz", "fr": "Fuzz"},
    "lists": {
        "yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}],
        "agree": [{"name": "1", "label": {"en": "Disagree"}, "polarity": "negative"},
                  {"name": "5", "label": {"en": "Agree"}, "polarity": "positive"},
                  {"name": "dk", "label": {"en": "Don't know"}, "exclude": True}],
        "region": [{"name": "n1", "label": {"en": "North"}, "filters": {"zone": "north"}}],
    },
    "items": [
        {"type": "group", "name": "g1", "label": {"en": "One"}, "items": [
            {"type": "integer", "name": "age", "required": True, "constraint": ". >= 18 and . <= 70",
             "constraint_message": {"en": "18 to 70"}},
            {"type": "decimal", "name": "budget", "constraint": ". >= 0"},
            {"type": "date", "name": "when", "constraint": ". <= today()"},
            {"type": "text", "name": "code", "constraint": "regex(., '^[A-Z]{2}[0-9]+$')"},
            {"type": "select_one", "name": "experienced", "list": "yn"},
            {"type": "select_one", "name": "reported", "list": "yn", "relevant": "${experienced} = 'yes'",
             "required": "${experienced} = 'yes'"},
            {"type": "select_multiple", "name": "channel", "list": "yn", "or_other": True},
            {"type": "likert", "name": "proud", "list": "agree"},
            {"type": "text", "name": "zone"},
            {"type": "select_one", "name": "post", "list": "region", "choice_filter": "zone = ${zone}"},
            {"type": "acknowledge", "name": "consent"},
            {"type": "note", "name": "info", "label": {"en": "Thanks"}},
            {"type": "calculate", "name": "double_age", "calculation": "${age} * 2"},
        ]},
        {"type": "repeat", "name": "plan", "items": [
            {"type": "text", "name": "owner", "required": True},
            {"type": "calculate", "name": "row_label", "calculation": "concat(${owner}, '-', ${age})"},
        ]},
    ],
}


def form_json_seeds():
    full = json.dumps(SMALL_FORM)
    minimal = {"id": "m", "version": "1", "title": {"en": "M"}, "items": [{"type": "text", "name": "t"}]}
    bad_ref = json.loads(full)
    bad_ref["items"][0]["items"][1]["relevant"] = "${nobody} = 1"
    return {
        "form": full,
        "minimal": json.dumps(minimal),
        "bad-reference": json.dumps(bad_ref),
        "bad-expression": full.replace(". >= 0", ". >= (0"),
        "truncated": full[: len(full) // 2],
        "not-object": "[1, 2, 3]",
    }


def bundle_seeds():
    env = envelope()
    bundle = b"EQB1" + bytes([1]) + bytes(range(16)) + bytes(32) + struct.pack(">Q", 1_795_000_000)
    items = (bytes(range(16)) + varint(1) + bytes([0]) + bytes(range(16, 32)) + varint(2) + bytes([3, 6])
             + lp("invalid answers"))
    receipt = b"EQR1" + bytes([1]) + bytes(32) + struct.pack(">Q", 1_795_000_000) + varint(2) + items
    return {
        "bundle": bundle + varint(2) + lp(env) + lp(envelope(revision=2)) + bytes(64),
        "bundle-empty": bundle + varint(0) + bytes(64),
        "bundle-truncated": bundle + varint(2) + lp(env) + bytes(64),
        "receipt": receipt + bytes(64),
        "receipt-trailing": receipt + b"\0" + bytes(64),
        "receipt-bad-status": receipt[:-len(items)] + bytes(range(16)) + varint(1) + bytes([9]) + bytes(64),
    }


def collector_http_seeds():
    # Layout (fuzz_collector_http.cpp): u8 method | u8 flags | target \n headers... \n\n body
    # method: 0 GET, 1 HEAD, 2 POST, 3 PUT, 4 DELETE; flags: bit 0 LAN peer, bits 1-2 Host,
    # 3 post cookie, 4 admin cookie, 5 draft cookie, 6 Origin, 7 no JSON Content-Type
    def req(method, flags, target, body="", extra=""):
        return bytes([method, flags]) + (target + "\n" + (extra + "\n" if extra else "") + "\n" + body).encode()
    return {
        "page": req(0, 0, "/"),
        "asset-head": req(1, 0, "/app.js"),
        "forms": req(0, 0, "/api/v1/forms?lang=ar"),
        "form": req(0, 0, "/api/v1/forms/staff-climate?lang=fr"),
        "draft-create": req(2, 0, "/api/v1/draft", '{"form":"staff-climate","lang":"en"}'),
        "draft-get": req(0, 32, "/api/v1/draft"),
        "draft-save": req(3, 32, "/api/v1/draft", '{"answers":{"consent_ack":true,"eng_proud":"4"},"check":true}'),
        "draft-save-bad": req(3, 32, "/api/v1/draft", '{"answers":{"eng_proud":[1,{"x":null}]}}'),
        "draft-leave": req(2, 32 | 64, "/api/v1/draft/leave", "{}"),
        "admin-login-wrong": req(2, 0, "/api/v1/admin/login", '{"pin":"0000"}'),
        "admin-status": req(0, 16, "/api/v1/admin/status"),
        "admin-drafts": req(0, 16, "/api/v1/admin/drafts"),
        "admin-draft-action": req(2, 16, "/api/v1/admin/drafts/abc/resume", "{}"),
        "admin-qr": req(0, 16, "/api/v1/admin/qr.svg"),
        "admin-from-lan": req(0, 1 | 8 | 16, "/api/v1/admin/status"),
        "lan-no-token": req(0, 1, "/api/v1/forms"),
        "lan-token-query": req(0, 1, "/?t=fuzz-post-token-4c1d9e"),
        "lan-token-cookie": req(0, 1 | 8, "/api/v1/forms"),
        "foreign-host": req(0, 6, "/"),
        "foreign-origin": req(2, 0, "/api/v1/draft", "{}", "Origin: http://evil.example"),
        "form-post": req(2, 128, "/api/v1/draft", "form=staff-climate"),
    }


if __name__ == "__main__":
    write("fuzz_envelope", envelope_seeds())
    write("fuzz_expression", expression_seeds())
    write("fuzz_form_json", form_json_seeds())
    write("fuzz_bundle", bundle_seeds())
    write("fuzz_collector_http", collector_http_seeds())
    total = sum(f.stat().st_size for f in ROOT.rglob("*") if f.is_file())
    print(f"corpus: {total} bytes under {ROOT}")
