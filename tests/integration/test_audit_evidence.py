"""Tampering with the audit trail by SQL, on a real database built through the services:
`audit verify` finds each kind, precisely; the untouched database is the negative control."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.audit import GENESIS_HASH, AuditRecord, chain_hash, record_mac
from creditdesk.domain.audit_verify import Breach, BreachKind
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.main import app
from creditdesk.service.audit import seal_audit_trail, verify_audit_trail
from creditdesk.service.errors import Unavailable
from creditdesk.service.limits import SetCreditLimit, set_credit_limit
from creditdesk.service.policies import activate_check_policy
from tests.helpers import CUSTOMERS, write_csv

WRONG_KEY = bytes(range(32))


def raise_limit(services: Services, customer_id: str, amount: str) -> None:
    command = SetCreditLimit(customer_id, Money.of(amount, "EUR"), "annual review", "root", Role.ADMIN)
    assert set_credit_limit(command, services.uow(), services.clock).applied


def system_record(services: Services, name: str) -> None:
    activate_check_policy(name, "{}", "root", Role.ADMIN, services.uow(), services.clock)


def build(services: Services, tmp_path: Path) -> Services:
    """system: an import and 2 policies; C1: 4 limit changes, C2: 2 (and whatever the import wrote)."""
    assert import_file("customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), services.engine, services.clock)
    for n, amount in enumerate(("11000", "12000", "13000", "14000")):
        raise_limit(services, "C1", amount)
        if n < 2:
            raise_limit(services, "C2", str(51000 + n))
    system_record(services, "p1")
    system_record(services, "p2")
    return services


@pytest.fixture
def built(sqlite_services: Services, tmp_path: Path) -> Services:
    return build(sqlite_services, tmp_path)


@pytest.fixture
def sealed(built: Services) -> Services:
    assert seal_audit_trail(built.read_uow(), built.audit_seals(), built.clock).seal is not None
    return built


def verify(services: Services) -> list[Breach]:
    return verify_audit_trail(services.read_uow(), services.audit_seals())


def first(services: Services) -> Breach:
    breaches = verify(services)
    assert breaches, "the tampering went unnoticed"
    return breaches[0]


def sql(services: Services, statement: str, **params: Any) -> None:
    with services.engine.begin() as conn:
        conn.execute(text(statement), params)


def row(services: Services, stream: str, n: int) -> dict[str, Any]:
    with services.engine.connect() as conn:
        found = conn.execute(
            text("SELECT * FROM audit_log WHERE stream = :s AND stream_seq = :n"), {"s": stream, "n": n}
        ).mappings()
        return dict(found.one())


def head(services: Services, stream: str) -> dict[str, Any]:
    with services.engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM audit_heads WHERE stream = :s"), {"s": stream}).mappings().one())


def records_of(services: Services, stream: str) -> list[AuditRecord]:
    with services.read_uow() as uow:
        return [r for r in uow.audit.records_by_stream() if r.stream == stream]


def length(services: Services, stream: str) -> int:
    return int(head(services, stream)["length"])


def rehash_from(services: Services, stream: str, start: int, digest: Callable[..., str]) -> None:
    """The attacker's rewrite: after editing ``start``, recompute its hash and every later one's."""
    prev = GENESIS_HASH
    for r in records_of(services, stream):
        if r.stream_seq >= start:
            new = digest(prev, r.stream_seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload, stream)
            sql(services, "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :q", p=prev, h=new, q=r.seq)
            prev = new
        else:
            prev = r.hash


# The negative control.


def test_an_untouched_trail_verifies_before_and_after_sealing(built: Services) -> None:
    assert verify(built) == []
    assert seal_audit_trail(built.read_uow(), built.audit_seals(), built.clock).seal is not None
    raise_limit(built, "C1", "15000")  # appended after the seal
    assert verify(built) == []
    key = built.settings.audit_key_path()
    assert key.stat().st_mode & 0o777 == 0o600


# Each kind of tampering.


def test_an_edited_record(sealed: Services) -> None:
    sql(sealed, "UPDATE audit_log SET payload = :p WHERE stream = 'C1' AND stream_seq = 2", p='{"to": "9999999"}')
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.EDITED, "C1", 2)
    assert breach.record is not None and breach.seq == row(sealed, "C1", 2)["seq"]


def test_a_record_deleted_in_the_middle(sealed: Services) -> None:
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq = 2")
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.DELETED_IN_MIDDLE, "C1", 2)
    assert breach.message == "record 2 missing before record 3"


def test_a_record_deleted_in_the_middle_and_the_rest_renumbered(sealed: Services) -> None:
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq = 2")
    for n in (3, 4):
        sql(sealed, "UPDATE audit_log SET stream_seq = :m WHERE stream = 'C1' AND stream_seq = :n", m=n - 1, n=n)
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.DELETED_IN_MIDDLE, "C1", 2)
    assert "a record before it was deleted" in breach.message


def test_the_newest_record_of_a_chain_deleted(built: Services) -> None:
    n = length(built, "C1")
    sql(built, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq = :n", n=n)
    breach = first(built)  # no seal needed: the head remembers
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.TAIL_DELETED, "C1", n)
    assert breach.message == f"record {n} gone: its head says {n} records, {n - 1} are left"


def test_the_last_rows_of_the_system_chain_deleted(built: Services) -> None:
    n = length(built, "system")
    sql(built, "DELETE FROM audit_log WHERE stream = 'system' AND stream_seq >= 2")
    breach = first(built)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.TAIL_DELETED, "system", 2)
    assert f"records 2..{n} gone" in breach.message


def test_a_whole_chain_deleted(sealed: Services) -> None:
    n = length(sealed, "C2")
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C2'")
    breach = first(sealed)
    assert (breach.kind, breach.stream) == (BreachKind.CHAIN_DELETED, "C2")
    assert f"its head says {n} records and none is left" in breach.message


def test_a_whole_chain_deleted_with_its_head_is_caught_by_the_seal(sealed: Services) -> None:
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C2'")
    sql(sealed, "DELETE FROM audit_heads WHERE stream = 'C2'")
    breach = first(sealed)
    assert (breach.kind, breach.stream) == (BreachKind.CHAIN_DELETED, "C2") and "sealed" in breach.message


def test_a_rewrite_with_recomputed_plain_hashes(sealed: Services) -> None:
    sql(sealed, "UPDATE audit_log SET payload = :p WHERE stream = 'C1' AND stream_seq = 2", p='{"to": "9999999"}')
    rehash_from(sealed, "C1", 2, chain_hash)
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.REWRITTEN, "C1", 2)
    assert "recomputed as plain SHA-256 (MAC mismatch)" in breach.message
    sql(sealed, "UPDATE audit_log SET key_id = NULL WHERE stream = 'C1'")  # and passed off as legacy
    breach = first(sealed)
    assert (breach.kind, breach.stream_seq) == (BreachKind.REWRITTEN, 1) and "plain SHA-256" in breach.message


def test_a_rewrite_with_a_wrong_key(sealed: Services) -> None:
    def wrong_mac(prev: str, n: int, *rest: Any) -> str:
        return record_mac(WRONG_KEY, prev, n, *rest)

    sql(sealed, "UPDATE audit_log SET payload = :p WHERE stream = 'C1' AND stream_seq = 3", p='{"to": "9999999"}')
    rehash_from(sealed, "C1", 3, wrong_mac)
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.REWRITTEN, "C1", 3)
    assert "MAC mismatch" in breach.message


def test_records_re_ordered(sealed: Services) -> None:
    sql(sealed, "UPDATE audit_log SET stream_seq = -2 WHERE stream = 'C1' AND stream_seq = 2")
    sql(sealed, "UPDATE audit_log SET stream_seq = 2 WHERE stream = 'C1' AND stream_seq = 3")
    sql(sealed, "UPDATE audit_log SET stream_seq = 3 WHERE stream = 'C1' AND stream_seq = -2")
    breach = first(sealed)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.REORDERED, "C1", 2)
    assert "it links to record 3, which comes after it" in breach.message


def test_records_re_ordered_in_the_order_written(built: Services) -> None:
    two, three = row(built, "C1", 2)["seq"], row(built, "C1", 3)["seq"]
    sql(built, "UPDATE audit_log SET seq = -1 WHERE seq = :a", a=two)
    sql(built, "UPDATE audit_log SET seq = :a WHERE seq = :b", a=two, b=three)
    sql(built, "UPDATE audit_log SET seq = :b WHERE seq = -1", b=three)
    breach = first(built)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.REORDERED, "C1", 3)


def test_a_head_rolled_back_with_its_tail_is_caught_by_the_seal(built: Services) -> None:
    older = head(built, "C1")  # validly MAC'd: the attacker kept a copy
    n = older["length"]
    raise_limit(built, "C1", "15000")
    raise_limit(built, "C1", "16000")
    assert seal_audit_trail(built.read_uow(), built.audit_seals(), built.clock).seal is not None
    sql(built, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq > :n", n=n)
    sql(built, "UPDATE audit_heads SET length = :length, last_hash = :last_hash, mac = :mac WHERE stream = 'C1'", **{
        k: older[k] for k in ("length", "last_hash", "mac")
    })  # fmt: skip
    breach = first(built)
    assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.TAIL_DELETED, "C1", n + 1)
    assert f"records {n + 1}..{n + 2} sealed on" in breach.message and f"rolled back to length {n}" in breach.message


def test_what_came_after_the_last_seal_can_be_cut_with_its_head(sealed: Services) -> None:
    """The documented limit (docs/audit.md): seal often."""
    older = head(sealed, "C1")
    raise_limit(sealed, "C1", "15000")
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq > :n", n=older["length"])
    sql(sealed, "UPDATE audit_heads SET length = :n, last_hash = :h, mac = :m WHERE stream = 'C1'", n=older["length"],
        h=older["last_hash"], m=older["mac"])  # fmt: skip
    assert verify(sealed) == []


def test_a_head_row_edited_or_deleted(built: Services) -> None:
    sql(built, "UPDATE audit_heads SET length = 3 WHERE stream = 'C1'")
    breach = first(built)
    assert (breach.kind, breach.stream) == (BreachKind.HEAD_MISMATCH, "C1") and "fails its MAC" in breach.message
    with pytest.raises(Unavailable, match="fails its MAC"):  # and nobody appends on top of it
        raise_limit(built, "C1", "15000")
    sql(built, "DELETE FROM audit_heads WHERE stream = 'C1'")
    assert "no head row" in first(built).message
    with pytest.raises(Unavailable, match="no head"):
        raise_limit(built, "C1", "15000")


def test_the_seal_file_altered(sealed: Services) -> None:
    path = sealed.audit_seals().path
    n = length(sealed, "C1")
    path.write_text(path.read_text().replace(f'"C1":[{n},', f'"C1":[{n - 1},'))
    breach = first(sealed)
    assert (breach.kind, breach.stream) == (BreachKind.SEAL_MISMATCH, None) and "fails its MAC" in breach.message


def test_a_broken_trail_is_not_sealed(sealed: Services) -> None:
    sql(sealed, "DELETE FROM audit_log WHERE stream = 'C2'")
    before = sealed.audit_seals().path.read_text()
    sealing = seal_audit_trail(sealed.read_uow(), sealed.audit_seals(), sealed.clock)
    assert sealing.seal is None and sealing.breaches[0].kind is BreachKind.CHAIN_DELETED
    assert sealed.audit_seals().path.read_text() == before


# The command line.


def cli(services: Services, *args: str) -> Any:
    env = {"CREDITDESK_VAR_DIR": str(services.settings.var_dir), "CREDITDESK_AUDIT_KEY_FILE": None}
    return CliRunner().invoke(app, ["--db", services.settings.database_url, *args], env=env)


def test_the_cli_seals_verifies_and_reports_a_breach_as_json(built: Services) -> None:
    sealed = cli(built, "--json", "audit", "seal")
    assert sealed.exit_code == 0, sealed.output
    with built.engine.connect() as conn:
        streams, records = conn.execute(text("SELECT COUNT(*), SUM(length) FROM audit_heads")).one()
    assert (json.loads(sealed.stdout)["streams"], json.loads(sealed.stdout)["records"]) == (streams, records)
    assert len(built.audit_seals().path.read_text().splitlines()) == 1
    assert cli(built, "audit", "verify").exit_code == 0
    n = length(built, "system")
    sql(built, "DELETE FROM audit_log WHERE stream = 'system' AND stream_seq = :n", n=n)
    broken = cli(built, "--json", "audit", "verify")
    assert broken.exit_code == 1
    body = json.loads(broken.stdout)
    assert (body["intact"], body["kind"], body["stream"], body["stream_seq"]) == (False, "tail deleted", "system", n)
    text_out = cli(built, "audit", "verify")
    assert text_out.exit_code == 1 and f"stream system, record {n}: tail deleted" in text_out.stderr


def test_a_missing_key_file_exits_69_with_a_clear_message(built: Services) -> None:
    key = built.settings.audit_key_path()
    key.rename(key.with_name("elsewhere.key"))
    result = cli(built, "audit", "verify")
    assert result.exit_code == 69, result.output
    assert "audit key file" in result.stderr and "is missing" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_rotated_key_signs_from_then_on_and_the_old_records_still_verify(built: Services) -> None:
    old_id = head(built, "C1")["key_id"]
    assert cli(built, "audit", "rotate-key").exit_code == 0
    restarted = bootstrap(built.settings.database_url, clock=built.clock)
    restarted.settings.var_dir = built.settings.var_dir
    try:
        raise_limit(restarted, "C1", "15000")  # signs with the new key
    finally:
        restarted.engine.dispose()
    raise_limit(built, "C1", "16000")  # read the old key before: reads the file again
    new_id = head(built, "C1")["key_id"]
    assert new_id != old_id and row(built, "C1", length(built, "C1"))["key_id"] == new_id
    assert verify(built) == []
    assert cli(built, "audit", "seal").exit_code == 0 and cli(built, "audit", "verify").exit_code == 0


# Both databases, and the migration of a trail written before keyed MACs.


def test_appends_heads_and_a_tail_deletion_on_both_databases(services: Services, tmp_path: Path) -> None:
    build(services, tmp_path)
    assert verify(services) == []
    with services.engine.connect() as conn:
        counted = dict(conn.execute(text("SELECT stream, COUNT(*) FROM audit_log GROUP BY stream")).all())
        heads = dict(conn.execute(text("SELECT stream, length FROM audit_heads")).all())
    assert heads == counted and counted["C1"] >= 4
    sql(services, "DELETE FROM audit_log WHERE stream = 'C1' AND stream_seq = :n", n=counted["C1"])
    assert (first(services).kind, first(services).stream) == (BreachKind.TAIL_DELETED, "C1")


def test_concurrent_appends_keep_every_head_in_step(services: Services, tmp_path: Path) -> None:
    build(services, tmp_path)

    def append(worker: int) -> None:
        for n in range(5):
            with services.uow() as uow:  # the system stream, unlocked by any account row
                uow.audit.append("root", "test.note", "worker", str(worker), {"n": n})
                uow.commit()
            raise_limit(services, f"C{1 + worker % 2}", str(20000 + 100 * worker + n))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(append, range(6)))
    assert verify(services) == []
    with services.engine.connect() as conn:
        counted = dict(conn.execute(text("SELECT stream, COUNT(*) FROM audit_log GROUP BY stream")).all())
    assert length(services, "system") == counted["system"] >= 33


def test_the_migration_signs_the_heads_of_a_legacy_trail(database_url: str, clock: Any, tmp_path: Path) -> None:
    services = bootstrap(database_url, clock=clock)
    services.settings.var_dir = tmp_path / "var"
    try:
        upgrade(services.engine, "0008")
        legacy = _legacy_records(services, {"system": 3, "C1": 2})
        upgrade(services.engine)
        assert head(services, "system")["legacy_length"] == 3 and head(services, "C1")["last_hash"] == legacy["C1"]
        assert verify(services) == []
        with services.uow() as uow:
            uow.audit.append("root", "test", "x", "1", {"after": "0009"})
            uow.commit()
        assert verify(services) == [] and head(services, "system")["legacy_length"] == 3
        sql(services, "UPDATE audit_log SET actor = 'mallory' WHERE stream = 'C1' AND stream_seq = 1")
        breach = first(services)
        assert (breach.kind, breach.stream, breach.stream_seq) == (BreachKind.EDITED, "C1", 1)
    finally:
        services.engine.dispose()


def _legacy_records(services: Services, streams: dict[str, int]) -> dict[str, str]:
    """Records as the code before 0009 wrote them (plain SHA-256); each stream's last hash."""
    at = services.clock.now().replace(microsecond=0)
    last: dict[str, str] = {}
    for stream, count in streams.items():
        prev = GENESIS_HASH
        for n in range(1, count + 1):
            digest = chain_hash(prev, n, at, "old", "legacy", "x", str(n), {"n": n}, stream)
            sql(services, "INSERT INTO audit_log (stream, stream_seq, at, actor, action, entity, entity_id, payload, "
                "prev_hash, hash) VALUES (:s, :n, :at, 'old', 'legacy', 'x', :id, :p, :prev, :h)",
                s=stream, n=n, at=at, id=str(n), p=json.dumps({"n": n}), prev=prev, h=digest)  # fmt: skip
            prev = digest
        last[stream] = prev
    return last
