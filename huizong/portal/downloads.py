"""Downloads: media types and a Content-Disposition that carries a Chinese file name safely (RFC 6266/5987)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(name: str) -> dict[str, str]:
    """Headers that make a browser save the file as ``name`` (an ASCII stand-in for very old browsers)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "download"
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"}


def workbook_file(path: Path) -> FileResponse:
    """An .xlsx on disk, as a download under its own name."""
    return FileResponse(path, media_type=XLSX, headers=attachment(path.name))


def document_file(path: Path) -> FileResponse:
    """A .docx on disk, as a download under its own name."""
    return FileResponse(path, media_type=DOCX, headers=attachment(path.name))


def office_file(path: Path) -> FileResponse:
    """An .xlsx or .docx on disk (an assessment's 通报 or 督办函), as a download under its own name."""
    return document_file(path) if path.suffix == ".docx" else workbook_file(path)


def snapshot_file(path: Path) -> FileResponse:
    return FileResponse(path, media_type="application/octet-stream", headers=attachment("huizong.duckdb"))
