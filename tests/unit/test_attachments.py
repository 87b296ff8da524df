"""Which uploads are accepted: the type read from the bytes, programs and scripts refused, names made safe."""

from __future__ import annotations

import io
import zipfile

import pytest

from creditdesk.domain.attachments import CSV, DOCX, PDF, PNG, XLSX, Refused, safe_filename, sniff

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV_BYTES = "period,revenue\n2025,12000000\n备注,年报\n".encode()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01" + b"\x00" * 20,
        b"\xcf\xfa\xed\xfe" + b"\x00" * 20,
        b"#!/bin/sh\nrm -rf /\n",
        b"<html><body><script>alert(1)</script></body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"%PDF-1.7\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"x"}),
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>", "word/run.exe": b"MZ"}),
        _zip({"payload.txt": b"MZ\x90\x00"}),
        b"text with a NUL \x00 byte",
        b"",
    ],
)
def test_programs_scripts_markup_and_macros_are_refused(data: bytes) -> None:
    with pytest.raises(Refused):
        sniff(data, "harmless.pdf")


def test_allowed_types_are_read_from_the_bytes_and_names_are_made_safe() -> None:
    assert sniff(PDF_BYTES).content_type == PDF
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8).content_type == PNG
    assert sniff(CSV_BYTES, "x.csv").content_type == CSV
    assert sniff(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"})).content_type == XLSX
    assert sniff(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"})).content_type == DOCX
    assert safe_filename("..\\..\\evil\x00name.exe", "pdf") == "evilname.pdf"
    assert safe_filename("年报 2025.pdf", "pdf") == "年报 2025.pdf"
