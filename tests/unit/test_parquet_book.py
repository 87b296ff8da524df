"""`demo --parquet`: a generated book written a chunk at a time as the batch's inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from creditdesk.adapters.batch.exchange import ROW, Manifest, export_queries, query_schema
from creditdesk.entrypoints.cli.parquet_book import write_book

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("book")
    write_book(folder, 500, months=12, as_of=AS_OF, chunk=200, champion=("pd-test", "/nowhere"))
    return folder


def test_every_input_has_the_exports_columns_and_types(book: Path) -> None:
    for name, query in export_queries(AS_OF).items():
        assert pq.read_schema(book / f"{name}.parquet") == query_schema(query), name


def test_chunks_never_share_an_id_and_rows_are_numbered_across_them(book: Path) -> None:
    customers = pq.read_table(book / "customers.parquet").to_pandas()
    invoices = pq.read_table(book / "invoices.parquet").to_pandas()
    assert len(customers) == 500 and customers["customer_id"].is_unique
    assert customers["customer_id"].str[:5].nunique() == 3  # K000-, K001-, K002-: the chunks
    assert invoices["invoice_id"].is_unique and invoices["customer_id"].isin(customers["customer_id"]).all()
    assert list(invoices[ROW]) == list(range(len(invoices)))
    groups = pq.read_table(book / "groups.parquet").to_pandas()
    named = customers["group_id"].dropna()
    assert named.isin(groups["group_id"]).all() and groups["group_id"].is_unique


def test_the_manifest_counts_the_rows_and_names_the_champion(book: Path) -> None:
    manifest = Manifest.read(book)
    assert manifest.as_of == AS_OF and manifest.champion == "pd-test"
    for name, rows in manifest.rows.items():
        assert pq.read_metadata(book / f"{name}.parquet").num_rows == rows, name
    assert manifest.rows["invoices"] > 10 * manifest.rows["customers"]


def test_an_accounts_receivable_is_its_invoices_less_the_cash_applied(book: Path) -> None:
    invoices = pq.read_table(book / "invoices.parquet").to_pandas()
    allocations = pq.read_table(book / "allocations.parquet").to_pandas()
    accounts = pq.read_table(book / "accounts.parquet").to_pandas().set_index("customer_id")
    paid = allocations.groupby("invoice_id")["amount_minor"].sum()
    open_minor = (invoices["amount_minor"] - invoices["invoice_id"].map(paid).fillna(0)).clip(lower=0)
    expected = open_minor.groupby(invoices["customer_id"]).sum()
    found = accounts.loc[expected.index, "receivable_minor"]
    assert (found == expected.astype("int64")).all()
    assert (accounts["overdue_minor"] <= accounts["receivable_minor"]).all()
    assert accounts["receivable_minor"].sum() > 0
