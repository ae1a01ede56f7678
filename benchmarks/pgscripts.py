"""Turn the statements a request sent (captured by prepare.py) into pgbench scripts.

The scripts replay the same statements, in the same transactions, as the same number of round
trips. What must differ per transaction is replaced by pgbench variables:

- the values under a unique constraint (idempotency key, receipt number, order number) become
  `<prefix>-:client_id-:uniq`, with `uniq` drawn from 10^15 per transaction;
- ids returned by an INSERT and used by a later statement (the order's id in its lines, the
  idempotency record's id in its final UPDATE) are read back with `\\gset`, as the app does;
- a UUID primary key the app generated (the order event's task row, ADR 29) becomes
  `gen_random_uuid()`, drawn by the server as the app draws one per request;
- the member: one script per member of the pool, so pgbench spreads its transactions over the
  same members as the HTTP load (row locks on the member's binding included); for `sale_points`
  also the member's points account and seeded lot (the conditional balance and lot UPDATEs hit
  those rows) and the fingerprints of the burn and the earn, which hash the member's id.

Scripts run with `-M simple` when the app binds parameters on the client (psycopg's
ClientCursor sends Django's statements over the simple protocol): pgbench then substitutes
variables inside string literals too. When the app binds on the server (experimental, ADR 45:
the extended protocol, statements prepared after a few uses), `prepared()` rewrites each script for
`-M prepared`: a literal holding variables becomes a concatenation, `('pk-' || CAST(:client_id
AS text) || ...)`, so pgbench can send every variable as a parameter of one prepared statement.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

UNIQUE = r"\set uniq random(1, 999999999999999)"
PG_CLIENT_STEP = 10_000_000  # as in prepare.py
PG_COUPON_ID_OFFSET = 500_000_000
# The ORM's `INSERT INTO "t" ... RETURNING "t"."id"` and core.rows' `INSERT INTO t ... RETURNING id`
_UUID = re.compile(r"'[0-9a-f]{32}'::uuid")
_INSERT = re.compile(r'^INSERT INTO "?(?P<table>\w+)"? .* RETURNING (?:"\w+"\.)?"?id"?$', re.S)


def _sub_id(sql: str, old: int, new: str) -> str:
    return re.sub(rf"(?<![\w.:]){old}(?![\w.])", new, sql)


def _gset_generated(statements: list[str], generated: dict[str, list[int]]) -> list[str]:
    out = list(statements)
    inserts: dict[str, list[int]] = {}
    for n, sql in enumerate(out):
        if (match := _INSERT.match(sql)) and match["table"] in generated:
            inserts.setdefault(match["table"], []).append(n)
    for table, positions in inserts.items():
        ids = generated[table]
        # As many INSERTs as new ids: one row each, in order (one connection, one sequence).
        one_each = len(positions) == len(ids)
        for k, n in enumerate(positions):
            later = "\n".join(out[n + 1 :])
            mine = [ids[k]] if one_each else ids
            if not any(re.search(rf"(?<![\w.:]){i}(?![\w.])", later) for i in mine):
                continue
            if not one_each:
                raise ValueError(f"{table}: a multi-row INSERT whose ids are used later")
            var = f"g{n}_"
            out[n] = f"{out[n]} \\gset {var}"
            out[n + 1 :] = [_sub_id(s, ids[k], f":{var}id") for s in out[n + 1 :]]
    for table, ids in generated.items():
        for i in ids:
            if any(re.search(rf"(?<![\w.:]){i}(?![\w.])", s) for s in out if "\\gset" not in s):
                raise ValueError(f"generated id {i} of {table} is still a literal")
    return out


def _for_member(statements: list[str], first: dict[str, Any], member: dict[str, Any]) -> str:
    lines = []
    texts = [f for f in ("code", "phone_index", "fp_burn", "fp_earn") if f in first]
    ids = [f for f in ("id", "identity_id", "binding_id", "account_id", "lot_id") if f in first]
    for sql in statements:
        for field in texts:
            sql = sql.replace(str(first[field]), str(member[field]))
        for field in ids:
            sql = _sub_id(sql, int(first[field]), str(member[field]))
        lines.append(sql if "\\gset " in sql else f"{sql};")
    return "\n".join(lines) + "\n"


def build(kind: str, prepared: dict[str, Any]) -> list[str]:
    """The texts of the pgbench scripts for one benchmark: one per distinct member variant."""
    capture = prepared["captures"][kind]
    statements: list[str] = list(capture["sql"])
    header: list[str] = []
    if kind in ("sale", "sale_points"):
        for field, prefix in (("key", "pk"), ("receipt", "pr"), ("number", "pn")):
            fresh = f"{prefix}-:client_id-:uniq"
            statements = [s.replace(capture[field], fresh) for s in statements]
        statements = _gset_generated(statements, capture["generated_ids"])
        statements = [_UUID.sub("gen_random_uuid()", s) for s in statements]
        header = [UNIQUE]
        if capture.get("coupon_code"):
            # The n-th transaction of client c redeems coupon P<c * step + cnt> (prepare.py made
            # them, with ids at a fixed offset); `cnt` starts where run.py says (-D cnt=...).
            base = prepared["coupon_id_base"] + PG_COUPON_ID_OFFSET
            header += [
                r"\set cnt :cnt + 1",
                rf"\set cpn :client_id * {PG_CLIENT_STEP} + :cnt",
                rf"\set cpnid :cpn + {base}",
            ]
            statements = [
                _sub_id(s.replace(capture["coupon_code"], "P:cpn"), capture["coupon_id"], ":cpnid")
                for s in statements
            ]
    members = prepared["points_members" if kind == "sale_points" else "members"]
    scripts = {
        "\n".join(header) + ("\n" if header else "") + _for_member(statements, members[0], m)
        for m in members
    }
    return sorted(scripts)


# A string literal, plain or with backslash escapes (E'...', as psycopg quotes a backslash).
_LITERAL = re.compile(r"(?<![\w'])([Ee]?)'((?:[^'\\]|''|\\.)*)'")
# The variables build() writes into literals (pgbench's, the \\set ones above, ids read back
# with \\gset, which the order event's JSON arguments hold).
_VARIABLE = re.compile(r"(?<!:):(client_id|uniq|cnt|cpn|cpnid|g\d+_id)\b")


_COLON_WORD = re.compile(r"(?<!:):(?=[A-Za-z_])")


def _text(prefix: str, piece: str) -> list[str]:
    """A literal's text as literals in which no colon precedes a letter: pgbench's prepared
    mode would take `'order:pn-'` for the variable `pn`."""
    return [f"{prefix}'{t}'" for t in _COLON_WORD.sub("\0:\0", piece).split("\0") if t]


def _spliced(match: re.Match[str]) -> str:
    """`'pk-:client_id-:uniq'` -> `('pk-' || CAST(:client_id AS text) || '-' || ...)`."""
    prefix, body = match[1], match[2]
    if not _VARIABLE.search(body) and not _COLON_WORD.search(body):
        return match[0]
    parts, at = [], 0
    for var in _VARIABLE.finditer(body):
        parts += _text(prefix, body[at : var.start()])
        parts.append(f"CAST(:{var[1]} AS text)")
        at = var.end()
    parts += _text(prefix, body[at:])
    if not parts:
        return match[0]
    # A concatenation is text, which a jsonb column does not take as it takes an untyped
    # literal: the JSON documents that hold variables (a stored response, a task's arguments)
    # say what they are.
    json = body.startswith(("{", "[")) and _VARIABLE.search(body) is not None
    return "(" + " || ".join(parts) + (")::jsonb" if json else ")")


# Ids read back with \\gset and the coupon's id, outside literals. pgbench sends parameters
# untyped, so these get a type the server cannot infer in a multi-row VALUES (psycopg sends
# them typed).
_ID_VARIABLE = re.compile(r"(?<!CAST\()(:(?:g\d+_id|cpnid))\b")


def prepared(text: str) -> str:
    """The script for `pgbench -M prepared`: no variable left inside a string literal, ids
    typed (the \\set lines hold no quotes and no such id)."""
    spliced = _LITERAL.sub(_spliced, text)
    return _ID_VARIABLE.sub(r"CAST(\1 AS bigint)", spliced)


def write(
    kind: str, prepared_: dict[str, Any], directory: Path, *, protocol: str = "simple"
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(build(kind, prepared_)):
        if protocol == "prepared":
            text = prepared(text)
        path = directory / f"{kind}-{n:03d}.sql"
        path.write_text(text)
        paths.append(path)
    return paths
