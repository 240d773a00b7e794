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


def xlsform_seeds():
    """Workbook parts for fuzz_xlsform (see its header), and one whole .xlsx."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    def sheet(rows, inline=True):
        out = ['<?xml version="1.0" encoding="UTF-8"?><worksheet '
               'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
        for r, row in enumerate(rows, 1):
            out.append(f'<row r="{r}">')
            for c, v in enumerate(row):
                ref = chr(ord("A") + c) + str(r)
                if v.startswith("#s:"):
                    out.append(f'<c r="{ref}" t="s"><v>{v[3:]}</v></c>')
                elif v.startswith("#n:"):
                    out.append(f'<c r="{ref}"><v>{v[3:]}</v></c>')
                elif v:
                    out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
            out.append("</row>")
        out.append("</sheetData></worksheet>")
        return "".join(out)

    workbook = ('<?xml version="1.0" encoding="UTF-8"?><workbook '
                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                '<sheet name="survey" sheetId="1" r:id="rId1"/><sheet name="choices" sheetId="2" r:id="rId2"/>'
                '<sheet name="settings" sheetId="3" r:id="rId3"/></sheets></workbook>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in (1, 2, 3))
            + '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    survey = sheet([
        ["type", "name", "label::English (en)", "label::Français (fr)", "relevant", "constraint", "required",
         "calculation"],
        ["select_one yn", "works_here", "Do you work at this post?", "Travaillez-vous ici ?", "", "", "yes"],
        ["integer", "years", "Years of service", "Années de service", "${works_here} = 'yes'", ". >= 0 and . < 60", ""],
        ["begin_group", "g1", "Climate", "Climat", "", "", ""],
        ["select_multiple yn", "both", "#s:0", "#s:1", "", "count-selected(.) <= 2", ""],
        ["text", "comment", "Anything else?", "Autre chose ?", "", "string-length(.) < 500", ""],
        ["end_group", "", "", "", "", "", ""],
        ["calculate", "senior", "", "", "", "", "", "if(${years} > 10, 'yes', 'no')"],
    ])
    choices = sheet([["list_name", "name", "label::English (en)", "label::Français (fr)"],
                     ["yn", "yes", "Yes", "Oui"], ["yn", "no", "No", "Non"]])
    settings = sheet([["form_id", "form_title", "version", "default_language"],
                      ["fuzz-form", "Fuzz form", "#n:3", "English (en)"]])
    shared = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Both?</t></si>'
              '<si><r><t>Les </t></r><r><t>deux ?</t></r></si></sst>')
    sep = "\n--part--\n"
    parts = {
        "parts-valid": sep.join([workbook, rels, survey, choices, settings, shared]),
        "parts-no-settings": sep.join([workbook.replace('<sheet name="settings" sheetId="3" r:id="rId3"/>', ""),
                                       rels, survey, choices]),
        "parts-missing-choices": sep.join([workbook, rels, survey]),
    }
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        for name, data in zip(["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
                               "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/sharedStrings.xml"],
                              [workbook, rels, survey, choices, settings, shared]):
            z.writestr(name, data)
    parts["whole-workbook"] = whole.getvalue()
    return parts


def sync_session_seeds():
    """Message sequences for fuzz_sync_session (see its header): a mode byte,
    then messages as a 2-byte big-endian length and the bytes."""
    def msgs(*ms):
        return b"".join(struct.pack(">H", len(m)) + m for m in ms)

    push = bytes([0x20]) + varint(1) + varint(2) + lp(envelope()) + lp(envelope(revision=2))
    forms = bytes([0x30]) + varint(2) + lp("staff-climate") + lp("2026.1") + lp("") + lp("geoat-2023") + lp("1") + lp("r1")
    hello = bytes([0x01, 1]) + bytes(32) + bytes(32)
    return {
        "clear-hello-then-junk": bytes([0]) + msgs(hello, b"\x03" + bytes(80)),
        "clear-hello-admitted": bytes([2]) + msgs(hello, hello),
        "clear-channel-message-first": bytes([0]) + msgs(push),
        "session-push-then-forms": bytes([1]) + msgs(push, forms, push),
        "session-push-commit-fails": bytes([5]) + msgs(push, push),
        "session-empty-push": bytes([1]) + msgs(bytes([0x20]) + varint(7) + varint(0)),
        "session-forms-empty": bytes([1]) + msgs(bytes([0x30]) + varint(0)),
        "session-server-message-type": bytes([1]) + msgs(bytes([0x21]) + varint(1) + varint(0), push),
        "session-welcome-type": bytes([1]) + msgs(bytes([0x10, 0, 0])),
    }


def file_transfer_seeds():
    """Inputs for fuzz_file_transfer (see its header). Mode byte bit 0 clear:
    a file message body, its type 0x70 + ((mode >> 1) & 3); set: a FileOpener
    over one of four sealed files (bits 1-2), with operations on its chunks."""
    fid, sha = bytes(range(16)), bytes(range(32, 64))

    def msg(type_, body):
        return bytes([(type_ - 0x70) << 1]) + body

    def offer(files):
        return varint(len(files)) + b"".join(i + h + varint(n) for i, h, n in files)

    def wanted(items):
        return varint(len(items)) + b"".join(i + bytes([w]) + varint(n) + lp(d) for i, w, n, d in items)

    def chunk(index, data):
        return fid + varint(index) + lp(data)

    def ack(state, nxt, detail=""):
        return fid + bytes([state]) + varint(nxt) + lp(detail)

    # The opener: mode = 1 | file << 1 | wrong hash << 3 | size change << 4;
    # files 0: 1 byte (1 chunk), 1: 64 KiB (1), 2: 64 KiB + 1 (2), 3: 128 KiB + 10 (3).
    def opener(file_, ops, wrong_hash=False, size=0):
        return bytes([1 | file_ << 1 | (8 if wrong_hash else 0) | size << 4]) + bytes(ops)

    def sealed(k):
        return [k << 2]

    def flipped(k, at, x):
        return [k << 2 | 1] + list(struct.pack(">HB", at, x))

    def cut(k, length):
        return [k << 2 | 2] + list(struct.pack(">H", length))

    def raw(body):
        return [3] + list(struct.pack(">H", len(body))) + list(body)

    return {
        "offer": msg(0x70, offer([(fid, sha, 307200), (bytes(16), bytes(32), 1)])),
        "offer-empty": msg(0x70, offer([])),
        "offer-most": msg(0x70, offer([(bytes([i]) * 16, bytes([i]) * 32, i + 1) for i in range(256)])),
        "offer-too-many": msg(0x70, varint(257) + bytes(16) + bytes(32) + varint(1)),
        "offer-size-zero": msg(0x70, offer([(fid, sha, 0)])),
        "wanted": msg(0x71, wanted([(fid, 0, 0, ""), (bytes(16), 1, 0, ""),
                                    (bytes([9]) * 16, 2, 0, "no response stored here names this file")])),
        "wanted-resume": msg(0x71, wanted([(fid, 0, 17, "")])),
        "wanted-bad-want": msg(0x71, wanted([(fid, 3, 0, "")])),
        "chunk": msg(0x72, chunk(0, bytes(24 + 100 + 17))),
        "chunk-largest": msg(0x72, chunk(1, bytes(24 + 65536 + 17))),
        "chunk-too-large": msg(0x72, chunk(1, bytes(24 + 65536 + 18))),
        "chunk-empty": msg(0x72, chunk(0, b"")),
        "chunk-trailing": msg(0x72, chunk(2, b"x") + b"\0"),
        "chunk-long-varint": msg(0x72, fid + b"\x80\x00" + lp(b"x")),
        "ack-stored": msg(0x73, ack(0, 3)),
        "ack-complete": msg(0x73, ack(1, 5)),
        "ack-failed": msg(0x73, ack(2, 3, "chunk 3 of 5 does not authenticate (altered, or encrypted under another key)")),
        "ack-disk-full": msg(0x73, ack(3, 0, "the server could not store it now")),
        "ack-bad-state": msg(0x73, ack(4, 0)),
        # Pieces (a session that negotiated equitas-sync.v2): a trailing
        # offset, present only when not 0.
        "piece": msg(0x72, chunk(1, bytes(8192)) + varint(8192)),
        "piece-last": msg(0x72, chunk(0, bytes(24 + 65536 + 17 - 57344)) + varint(57344)),
        "piece-offset-zero": msg(0x72, chunk(1, b"x") + varint(0)),
        "piece-past-chunk": msg(0x72, chunk(1, bytes(100)) + varint(24 + 65536 + 17 - 50)),
        "wanted-resume-piece": msg(0x71, wanted([(fid, 0, 3, ""), (bytes(16), 1, 0, "")]) + varint(8192) + varint(0)),
        "wanted-offsets-zero": msg(0x71, wanted([(fid, 0, 3, "")]) + varint(0)),
        "wanted-offsets-short": msg(0x71, wanted([(fid, 0, 3, ""), (bytes(16), 0, 0, "")]) + varint(5)),
        "ack-piece": msg(0x73, ack(0, 3) + varint(16384)),
        "ack-offset-zero": msg(0x73, ack(0, 3) + varint(0)),
        "open-one-byte": opener(0, sealed(0)),
        "open-one-chunk": opener(1, sealed(0)),
        "open-two-chunks": opener(2, sealed(0) + sealed(1)),
        "open-three-chunks": opener(3, sealed(0) + sealed(1) + sealed(2)),
        "open-then-again": opener(3, sealed(0) + sealed(1) + sealed(2) + sealed(0)),
        "open-reordered": opener(3, sealed(0) + sealed(2) + sealed(1)),
        "open-repeated": opener(3, sealed(0) + sealed(0) + sealed(1)),
        "open-skipped-header": opener(3, sealed(1) + sealed(2)),
        "open-flipped-header": opener(3, flipped(0, 3, 0x40) + sealed(0)),
        "open-flipped-middle": opener(3, sealed(0) + flipped(1, 30000, 1) + sealed(1) + sealed(2)),
        "open-flipped-tag": opener(2, sealed(0) + flipped(1, 0, 0xff)),
        "open-cut-short": opener(3, sealed(0) + cut(1, 1000) + sealed(1)),
        "open-padded-last": opener(3, sealed(0) + sealed(1) + cut(2, 40)),
        "open-wrong-hash": opener(3, sealed(0) + sealed(1) + sealed(2), wrong_hash=True),
        "open-size-plus-one": opener(2, sealed(0) + sealed(1), size=1),
        "open-size-minus-one": opener(2, sealed(0) + sealed(1), size=2),
        "open-size-zero": opener(0, sealed(0), size=2),
        "open-size-one-more-chunk": opener(1, sealed(0) + sealed(0), size=3),
        "open-raw-chunk": opener(0, raw(chunk(0, bytes(24 + 1 + 17))) + sealed(0)),
        "open-raw-malformed": opener(3, raw(fid + b"\x05") + sealed(0) + sealed(1) + sealed(2)),
    }


def admin_http_seeds():
    """Requests for fuzz_admin_http: u8 method, u8 flags, target, headers, body."""
    def req(method, flags, target, body="", *headers):
        return bytes([method, flags]) + (target + "\n" + "".join(h + "\n" for h in headers) + "\n" + body).encode()

    return {
        "page": req(0, 0, "/"),
        "asset": req(0, 0, "/app.js"),
        "login": req(2, 8, "/api/v1/session", '{"token":"eqa_guess"}'),
        "login-not-json": req(2, 8 | 32, "/api/v1/session", "token=x"),
        "whoami-cookie": req(0, 4, "/api/v1/session"),
        "logout": req(4, 4 | 8, "/api/v1/session"),
        "overview": req(0, 1, "/api/v1/overview?lang=ar"),
        "forms": req(0, 1, "/api/v1/forms?lang=fr"),
        "rounds": req(0, 4, "/api/v1/rounds?form=staff-climate"),
        "report-by": req(0, 1, "/api/v1/reports/staff-climate?by=sex%2Cgrade&min_cell=12&lang=es"),
        "report-compare": req(0, 1, "/api/v1/reports/geoat-2023?round=a&compare=b"),
        "export": req(0, 1, "/api/v1/exports/staff-climate?format=xlsx&labels=1&lang=ru&bom=1"),
        "devices": req(0, 1, "/api/v1/devices"),
        "revoke": req(2, 1 | 8, "/api/v1/devices/00112233445566778899aabbccddeeff/revoke"),
        "revoke-foreign": req(2, 1 | 16, "/api/v1/devices/zz/revoke"),
        "audit": req(0, 4, "/api/v1/audit?limit=5&before=99"),
        "wrong-bearer": req(0, 2, "/api/v1/overview"),
        "same-site": req(0, 4, "/api/v1/exports/x", "", "Sec-Fetch-Site: same-site"),
        "rebinding": req(0, 1, "/api/v1/overview", "", "Host: attacker.example"),
        "file": req(0, 1, "/api/v1/files/" + "ab" * 32),
        "file-bad-name": req(0, 4, "/api/v1/files/..%2Fserver.key"),
        "export-with-files": req(0, 1, "/api/v1/exports/geoat-2023?format=csv&with_files=1"),
    }


def hostile_workbooks():
    """The two hostile workbooks of issue #19, whole and deflated: small on
    disk, huge once read. The importer must refuse both within its bounds
    (tests/shared/xlsform_test.cpp checks the same files)."""
    import io
    import zipfile

    def workbook(sheets, rels, parts):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/workbook.xml",
                       '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                       "<sheets>" + sheets + "</sheets></workbook>")
            z.writestr("xl/_rels/workbook.xml.rels", "<Relationships>" + rels + "</Relationships>")
            for name, data in parts:
                z.writestr(name, data)
        return buf.getvalue()

    cells = "".join('<row r="%d">%s</row>' % (r + 1, '<c t="s"><v>0</v></c>' * 128) for r in range(128))
    shared = workbook(
        '<sheet name="survey" sheetId="1" r:id="rId1"/>',
        '<Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/>',
        [("xl/sharedStrings.xml", "<sst><si><t>" + "x" * (8 * 1024 * 1024) + "</t></si></sst>"),
         ("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + cells + "</sheetData></worksheet>")])
    entries = workbook(
        "".join('<sheet name="survey" sheetId="%d" r:id="rId1"/>' % (i + 1) for i in range(3000)),
        '<Relationship Id="rId1" Type="x/worksheet" Target="worksheets/big.xml"/>',
        [("xl/worksheets/big.xml", "<worksheet><sheetData>" + " " * (40 * 1024 * 1024) + "</sheetData></worksheet>")])
    out = ROOT / "fuzz_xlsform"
    (out / "regression-hostile-shared-string").write_bytes(shared)
    (out / "regression-hostile-sheet-entries").write_bytes(entries)


if __name__ == "__main__":
    write("fuzz_envelope", envelope_seeds())
    write("fuzz_expression", expression_seeds())
    write("fuzz_form_json", form_json_seeds())
    write("fuzz_bundle", bundle_seeds())
    write("fuzz_collector_http", collector_http_seeds())
    write("fuzz_xlsform", xlsform_seeds())
    hostile_workbooks()
    write("fuzz_sync_session", sync_session_seeds())
    write("fuzz_admin_http", admin_http_seeds())
    write("fuzz_file_transfer", file_transfer_seeds())
    total = sum(f.stat().st_size for f in ROOT.rglob("*") if f.is_file())
    print(f"corpus: {total} bytes under {ROOT}")
