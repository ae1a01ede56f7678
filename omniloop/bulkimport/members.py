"""Members, upserted by `member_ref` (-> `Member.external_ref`).

Phones are the one thing parsed in Python, a chunk of rows at a time: normalised, blind-indexed
and encrypted exactly as `members.services.phone_attach` stores them (`core.phones.Phone`), so
the plaintext never reaches a real table (it passes only through the session's temporary staging
table, dropped at the end). New members get a member code as `members.codes` draws them.
`home_store_ref` binds a member who has no binding yet to that store as a first touch (ADR 4):
the `MemberBinding` row and its `initial` `BindingChange` (source `import`), both at the
member's `joined_at`, protected for the brand's protection period. The import never moves an
existing binding; staff re-bind.

An erased person is not recreated (ADR 18): a phone or a new `member_ref` whose suppression
digest (keyed, computed with the phone's index in the same Python pass) is in `Suppression`
refuses the file with `identity_suppressed`, checked set-based like every other problem."""

from __future__ import annotations

from typing import Any

from django.db import connection

from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.bulkimport.common import (
    analyze,
    duplicates,
    index_rows,
    later_duplicates,
    report,
)
from omniloop.bulkimport.dialect import (
    date_value,
    datetime_value,
    distinct,
    is_postgres,
    plus_days,
    qn,
)
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.staging import CHUNK_ROWS, Staging, drop, temp_name
from omniloop.bulkimport.typed import (
    Col,
    build,
    collect,
    column_of,
    execute,
    insert_sql,
    max_length,
    required,
    scalar,
    table_of,
)
from omniloop.bulkimport.values import ImportResult
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ValidationFailed
from omniloop.core.phones import parse_phone
from omniloop.members.codes import new_member_code
from omniloop.members.models import IdentityKind, Member, MemberIdentity, Suppression
from omniloop.members.privacy import suppression_digest
from omniloop.stores.models import Store

FIELDS = ("name", "gender", "birth_date", "city", "joined_at")
GENDERS = {"f": ("f", "female", "w", "woman", "女"), "m": ("m", "male", "man", "男")}
UNKNOWN_GENDER = ("u", "unknown", "未知")


def _gender(raw: str) -> tuple[str, str]:
    cases = " ".join(
        f"WHEN LOWER({raw}) IN ({', '.join(repr(w) for w in words)}) THEN '{code}'"
        for code, words in GENDERS.items()
    )
    unknown = ", ".join(repr(w) for w in UNKNOWN_GENDER)
    value = f"(CASE {cases} WHEN LOWER({raw}) IN ({unknown}) THEN '' END)"
    error = f"CASE WHEN {raw} IS NOT NULL AND {value} IS NULL THEN 'choice_invalid' END"
    return value, error


def _cols(staging: Staging) -> list[Col]:
    v = staging.col
    ref, store, birth, joined = (
        v("member_ref"),
        v("home_store_ref"),
        v("birth_date"),
        v("joined_at"),
    )
    gender, gender_err = _gender(v("gender"))
    birth_value = date_value(birth)
    joined_value = datetime_value(joined, "COALESCE(NULLIF(st.timezone, ''), bz.tz)")
    return [
        Col("member_ref", ref, required(ref, max_length(Member, "external_ref")), "member_ref"),
        Col("member_id", "m.id"),
        Col("phone", v("phone"), secret=True),
        Col(
            "name",
            v("name"),
            f"CASE WHEN length({v('name')}) > {max_length(Member, 'name')} THEN 'too_long' END",
            "name",
        ),
        Col("gender", gender, gender_err, "gender"),
        Col(
            "birth_date",
            birth_value,
            f"CASE WHEN {birth} IS NOT NULL AND {birth_value} IS NULL THEN 'date_invalid' END",
            "birth_date",
        ),
        Col(
            "city",
            v("city"),
            f"CASE WHEN length({v('city')}) > {max_length(Member, 'city')} THEN 'too_long' END",
            "city",
        ),
        Col(
            "joined_at",
            joined_value,
            f"CASE WHEN {joined} IS NOT NULL AND {joined_value} IS NULL "
            "THEN 'datetime_invalid' END",
            "joined_at",
        ),
        Col(
            "home_store_id",
            "st.id",
            f"CASE WHEN {store} IS NOT NULL AND st.id IS NULL THEN 'unknown_store' END",
            "home_store_ref",
        ),
    ]


def import_members(staging: Staging, problems: Problems) -> ImportResult | None:
    v = staging.col
    cols = _cols(staging)
    joins = (
        "CROSS JOIN (SELECT CAST(%s AS text) AS tz) bz "
        f"LEFT JOIN {table_of(Member)} m ON m.external_ref = {v('member_ref')} "
        f"LEFT JOIN {table_of(Store)} st ON st.code = {v('home_store_ref')}"
    )
    t = build(staging, cols, joins, [brand_settings().timezone])
    a = qn(temp_name("a"))
    try:
        collect(staging, t, cols, problems)
        duplicates(staging, t, "member_ref", "member_ref", problems)
        index_rows(t)
        _phones_and_codes(t, a)
        _check_phones(staging, t, a, problems)
        if problems:
            return None
        _unique_codes(a)
        return _apply(t, a, staging.rows)
    finally:
        drop(a, t)


def _phones_and_codes(t: str, a: str) -> None:
    """One pass over the rows that need Python: a phone to parse, seal and index, a new member
    to give a code. Results go to the table `a`, a chunk at a time."""
    cipher_type = "bytea" if is_postgres() else "blob"
    execute(
        f"CREATE TEMP TABLE {a} (row_no bigint PRIMARY KEY, code text, phone_index text, "
        f"phone_cipher {cipher_type}, phone_masked text, phone_error text, "
        "phone_suppress text, ref_suppress text)"
    )
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT row_no, phone, member_id, member_ref FROM {t} WHERE row_no > %s "  # noqa: S608
                f"AND (phone IS NOT NULL OR member_id IS NULL) ORDER BY row_no LIMIT {CHUNK_ROWS}",
                [last],
            )
            chunk = cursor.fetchall()
        if not chunk:
            break
        last = chunk[-1][0]
        _write_aux(a, [_aux_row(*row) for row in chunk])
    analyze(a)


def _aux_row(
    row_no: int, raw: str | None, member_id: int | None, ref: str | None
) -> tuple[Any, ...]:
    new = member_id is None
    code = new_member_code() if new else None
    ref_suppress = suppression_digest("external_ref", ref) if new and ref else None
    if raw is None:
        return (row_no, code, None, None, None, None, None, ref_suppress)
    try:
        phone = parse_phone(raw)
    except ValidationFailed as exc:
        return (row_no, code, None, None, None, exc.code, None, ref_suppress)
    suppress = suppression_digest(IdentityKind.PHONE, phone.index)
    return (row_no, code, phone.index, phone.encrypt(), phone.masked, None, suppress, ref_suppress)


def _write_aux(a: str, rows: list[tuple[Any, ...]]) -> None:
    cols = (
        "row_no, code, phone_index, phone_cipher, phone_masked, phone_error, "
        "phone_suppress, ref_suppress"
    )
    with connection.cursor() as cursor:
        if is_postgres():
            with cursor.cursor.copy(f"COPY {a} ({cols}) FROM STDIN") as copy:
                copy.set_types(["int8", "text", "text", "bytea", "text", "text", "text", "text"])
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {a} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )


def _check_phones(staging: Staging, t: str, a: str, problems: Problems) -> None:
    identity, suppression = table_of(MemberIdentity), table_of(Suppression)
    checks = (
        ("a.phone_error IS NOT NULL", "phone_invalid"),
        (
            f"a.row_no IN (SELECT row_no FROM ({later_duplicates(a, 'phone_index')}) x)",  # noqa: S608
            "phone_duplicate",
        ),
        (
            f"a.phone_index IS NOT NULL AND EXISTS (SELECT 1 FROM {identity} i "  # noqa: S608
            f"WHERE i.kind = '{IdentityKind.PHONE}' AND i.namespace = '' "
            "AND i.value = a.phone_index AND (t.member_id IS NULL OR i.member_id <> t.member_id))",
            "phone_taken",
        ),
        (
            f"a.phone_suppress IS NOT NULL AND EXISTS (SELECT 1 FROM {suppression} s "  # noqa: S608
            f"WHERE s.kind = '{IdentityKind.PHONE}' AND s.digest = a.phone_suppress)",
            "identity_suppressed",
        ),
    )
    for where, code in checks:
        rows = f"FROM {a} a JOIN {t} t ON t.row_no = a.row_no WHERE {where}"
        # Never echo a phone number, not even a wrong one.
        report(staging, rows, "a.row_no", None, "phone", code, problems)
    erased_ref = (
        f"FROM {a} a WHERE a.ref_suppress IS NOT NULL AND EXISTS (SELECT 1 FROM {suppression} s "  # noqa: S608
        "WHERE s.kind = 'external_ref' AND s.digest = a.ref_suppress)"
    )
    report(staging, erased_ref, "a.row_no", None, "member_ref", "identity_suppressed", problems)


def _unique_codes(a: str) -> None:
    """Draw again for the (1 in 10^10) new codes that collide with a stored one or each other."""
    member = table_of(Member)
    for _ in range(10):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.row_no FROM {a} a WHERE a.code IS NOT NULL AND "  # noqa: S608
                f"EXISTS (SELECT 1 FROM {member} m WHERE m.code = a.code) "
                f"UNION SELECT row_no FROM ({later_duplicates(a, 'code')}) x"
            )
            clashes = [r[0] for r in cursor.fetchall()]
            if not clashes:
                return
            cursor.executemany(
                f"UPDATE {a} SET code = %s WHERE row_no = %s",  # noqa: S608
                [(new_member_code(), r) for r in clashes],
            )
    raise RuntimeError("could not allocate member codes")


def _apply(t: str, a: str, rows: int) -> ImportResult:
    now = clock.now()
    member, identity = table_of(Member), table_of(MemberIdentity)
    binding, change = table_of(MemberBinding), table_of(BindingChange)
    result = ImportResult(kind="members", rows=rows)
    col = {f: column_of(Member, f) for f in FIELDS}

    def differs_from(target: str) -> str:
        return " OR ".join(
            f"(t.{f} IS NOT NULL AND {distinct('t.' + f, target + '.' + col[f])})" for f in FIELDS
        )

    differs = differs_from("m")
    new_phone = (
        f"(a.phone_index IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {identity} i "  # noqa: S608
        f"WHERE i.kind = '{IdentityKind.PHONE}' AND i.namespace = '' AND i.value = a.phone_index))"
    )
    new_binding = (
        f"(t.home_store_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {binding} b "  # noqa: S608
        "WHERE b.member_id = t.member_id))"
    )
    result.updated = int(
        scalar(
            f"SELECT COUNT(*) FROM {t} t JOIN {member} m ON m.id = t.member_id "  # noqa: S608
            f"LEFT JOIN {a} a ON a.row_no = t.row_no "
            f"WHERE ({differs}) OR {new_phone} OR {new_binding}"
        )
        or 0
    )
    sets = ", ".join(f"{col[f]} = COALESCE(t.{f}, {member}.{col[f]})" for f in FIELDS)
    fdiff = differs_from(member)
    execute(
        f"UPDATE {member} SET {sets} FROM {t} t "  # noqa: S608
        f"WHERE {member}.id = t.member_id AND ({fdiff})"
    )
    cols, exprs = insert_sql(
        Member,
        {
            "code": "a.code",
            "external_ref": "t.member_ref",
            "name": "COALESCE(t.name, '')",
            "gender": "COALESCE(t.gender, '')",
            "birth_date": "t.birth_date",
            "city": "COALESCE(t.city, '')",
            "tier": "'standard'",
            "status": f"'{Member.Status.ACTIVE}'",
            "merged_into": "NULL",
            "join_source": "'import'",
            "joined_at": "COALESCE(t.joined_at, %s)",
            "created_at": "%s",
        },
    )
    result.created = execute(
        f"INSERT INTO {member} ({cols}) SELECT {exprs} FROM {t} t "  # noqa: S608
        f"JOIN {a} a ON a.row_no = t.row_no WHERE t.member_id IS NULL ORDER BY t.row_no",
        [now, now],
    )
    by_ref = f"JOIN {member} m ON m.external_ref = t.member_ref"
    icols, iexprs = insert_sql(
        MemberIdentity,
        {
            "member": "m.id",
            "kind": f"'{IdentityKind.PHONE}'",
            "namespace": "''",
            "value": "a.phone_index",
            "cipher": "a.phone_cipher",
            "masked": "a.phone_masked",
            "source": "'import'",
            "created_at": "%s",
        },
    )
    phones = execute(
        f"INSERT INTO {identity} ({icols}) SELECT {iexprs} FROM {a} a "  # noqa: S608
        f"JOIN {t} t ON t.row_no = a.row_no {by_ref} WHERE {new_phone} ORDER BY a.row_no",
        [now],
    )
    bindings = _bind(t, by_ref, binding, change)
    result.unchanged = rows - result.created - result.updated
    result.extra = {"phones_added": phones, "bindings_created": bindings}
    return result


def _bind(t: str, by_ref: str, binding: str, change: str) -> int:
    days = brand_settings().protection_days
    before = int(scalar(f"SELECT COALESCE(MAX(id), 0) FROM {binding}") or 0)  # noqa: S608
    bcols, bexprs = insert_sql(
        MemberBinding,
        {
            "member": "m.id",
            "store": "t.home_store_id",
            "assistant": "NULL",
            "bound_at": "m.joined_at",
            "protected_until": plus_days("m.joined_at", days),
            "touchpoint": "NULL",
            "recruited_store": "t.home_store_id",
            "recruited_assistant": "NULL",
        },
    )
    created = execute(
        f"INSERT INTO {binding} ({bcols}) SELECT {bexprs} FROM {t} t {by_ref} "  # noqa: S608
        "WHERE t.home_store_id IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {binding} b WHERE b.member_id = m.id) ORDER BY t.row_no"
    )
    ccols, cexprs = insert_sql(
        BindingChange,
        {
            "member": "b.member_id",
            "kind": f"'{BindingChange.Kind.INITIAL}'",
            "from_store": "NULL",
            "from_assistant": "NULL",
            "to_store": "b.store_id",
            "to_assistant": "NULL",
            "source": "'import'",
            "touchpoint": "NULL",
            "actor": "'import'",
            "reason": "''",
            "changed_at": "b.bound_at",
        },
    )
    execute(
        f"INSERT INTO {change} ({ccols}) SELECT {cexprs} FROM {binding} b "  # noqa: S608
        "WHERE b.id > %s ORDER BY b.id",
        [before],
    )
    return created
