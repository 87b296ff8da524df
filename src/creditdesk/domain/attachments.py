"""Which uploaded files are accepted: the type is read from the bytes, never from the name.

Allowed: PDF, PNG, JPEG, CSV and plain UTF-8 text (no NUL bytes, no markup with script), and
Office Open XML workbooks and documents (a zip with ``[Content_Types].xml``, without macros
``vbaProject.bin`` or any member that is itself executable). Anything executable is refused
by its content: Windows (MZ/PE), ELF, Mach-O, ``#!`` scripts, HTML or SVG that runs script.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
TEXT = "text/plain"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = (PDF, PNG, JPEG, CSV, TEXT, XLSX, DOCX)

_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable (MZ/PE)"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (b"#!", "a script (#!)"),
)
_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|img)\b|javascript:", re.IGNORECASE)
_ZIP_EXECUTABLE = re.compile(r"\.(exe|dll|com|bat|cmd|ps1|sh|js|vbs|jar|msi|scr|app|bin|so|dylib|elf)$", re.I)


class Refused(ValueError):
    """The file is not accepted; the message says why, for the person who uploaded it."""


@dataclass(frozen=True, slots=True)
class Sniffed:
    content_type: str
    extension: str


def _executable(head: bytes) -> str | None:
    stripped = head.lstrip(b"\xef\xbb\xbf")
    for magic, what in _EXECUTABLE_MAGIC:
        if stripped.startswith(magic):
            return what
    return None


def _zip_kind(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            for info in archive.infolist():
                if _ZIP_EXECUTABLE.search(info.filename) or info.filename.lower().endswith("vbaproject.bin"):
                    raise Refused(f"the archive holds {info.filename!r}: macros and programs are not accepted")
                if info.file_size > 0 and not info.is_dir():
                    with archive.open(info) as member:
                        if _executable(member.read(8)) is not None:
                            raise Refused(f"the archive member {info.filename!r} is a program")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise Refused("the file is a damaged or encrypted zip archive") from None
    if "[Content_Types].xml" not in names:
        raise Refused("only Office workbooks and documents (XLSX, DOCX) are accepted among zip files")
    if any(n.startswith("xl/") for n in names):
        return Sniffed(XLSX, "xlsx")
    if any(n.startswith("word/") for n in names):
        return Sniffed(DOCX, "docx")
    raise Refused("only Office workbooks and documents (XLSX, DOCX) are accepted among zip files")


def _text_kind(data: bytes, filename: str) -> Sniffed:
    if b"\x00" in data:
        raise Refused("the file is of a type that is not accepted (PDF, PNG, JPEG, CSV, text, XLSX, DOCX)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("text files must be UTF-8 (PDF, PNG, JPEG, CSV, text, XLSX, DOCX are accepted)") from None
    if _MARKUP.search(data):
        raise Refused("HTML, SVG or script content is not accepted")
    if filename.lower().endswith(".csv"):
        return Sniffed(CSV, "csv")
    return Sniffed(TEXT, "txt")


def sniff(data: bytes, filename: str = "") -> Sniffed:
    """The accepted type of ``data`` or :class:`Refused`; the name only tells CSV from text."""
    if not data:
        raise Refused("the file is empty")
    what = _executable(data[:8])
    if what is not None:
        raise Refused(f"the file is {what}: programs are not accepted")
    if data.startswith(b"%PDF-"):
        if re.search(rb"/JavaScript|/JS\b|/Launch\b", data):
            raise Refused("the PDF runs script or launches programs: not accepted")
        return Sniffed(PDF, "pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG, "png")
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG, "jpg")
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return _text_kind(data, filename)


_UNSAFE = re.compile(r"[^\w.\- ()]+")


def safe_filename(name: str, extension: str) -> str:
    """A name safe to show and to send back: no path, no control characters, at most 120
    characters, and ending in the extension of its real type."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" ._") or "file"
    stem, dot, _ = base.rpartition(".")
    if not dot:
        stem = base
    stem = stem[:100] or "file"
    return f"{stem}.{extension}"
