"""What kind of file arrived, checked before any spreadsheet library touches it.

An ``.xlsx`` is a zip of XML parts. Everything else that reaches an office by mistake is recognised here and
explained: empty or truncated files, legacy ``.xls`` and WPS ``.et`` (OLE compound files), password-protected
workbooks (also OLE, holding an ``EncryptionInfo`` stream), macro-enabled ``.xlsm``, other zips, and zip bombs (the
inflated size and the compression ratio are bounded before anything is inflated).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from huizong.findings import Finding

MAX_FILE = 20 * 1024 * 1024  # a filled form is ~20 KB; anything near this is not one
MAX_INFLATED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_PARTS = 500
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def _finding(message: str, english: str) -> Finding:
    return Finding("FILE", "error", message, message_en=english)


def open_checked(path: Path) -> Finding | zipfile.ZipFile:
    """The workbook's zip, open, when ``path`` looks like an ordinary, safe ``.xlsx``; else the finding that says
    why it is not. The caller closes the zip."""
    size = path.stat().st_size
    if size == 0:
        return _finding("文件是空的（0字节），请重新保存后报送", "the file is empty")
    if size > MAX_FILE:
        return _finding(f"文件过大（{size // 1024 // 1024} MB），不是本系统的填报模板", "the file is too large")
    with path.open("rb") as stream:
        head = stream.read(8)
    if head == OLE_MAGIC:
        return _ole(path)
    if not head.startswith(b"PK"):
        return _finding("不是 Excel 工作簿（.xlsx）文件，请使用下发的模板填报后报送", "not an xlsx file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return _finding("文件不完整或已损坏（可能传输中断），请重新保存后报送", "the file is truncated or damaged")
    try:
        problem = _zip(archive)
    except zipfile.BadZipFile:
        problem = _finding("文件不完整或已损坏（可能传输中断），请重新保存后报送", "the file is truncated or damaged")
    if problem is not None:
        archive.close()
        return problem
    return archive


def _ole(path: Path) -> Finding:
    data = path.read_bytes()
    if ENCRYPTION_INFO in data:
        return _finding("文件设置了打开密码，系统无法读取；请取消密码后重新报送", "the workbook is password-protected")
    if path.suffix.lower() == ".et":
        return _finding("WPS 表格（.et）格式无法读取，请在 WPS 中“另存为”Excel 工作簿（.xlsx）后报送", "WPS .et format")
    return _finding("旧版 Excel（.xls）格式无法读取，请“另存为”Excel 工作簿（.xlsx）后报送", "legacy .xls format")


def _zip(archive: zipfile.ZipFile) -> Finding | None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return _finding("文件内部结构异常（部件过多），不是本系统的填报模板", "too many zip parts")
    inflated = sum(p.file_size for p in parts)
    packed = max(sum(p.compress_size for p in parts), 1)
    if inflated > MAX_INFLATED or inflated / packed > MAX_RATIO:
        return _finding("文件解压后过大（疑似压缩炸弹），已拒收", "suspicious compression (zip bomb)")
    names = {p.filename for p in parts}
    if "xl/workbook.xml" not in names:
        return _finding("不是 Excel 工作簿（.xlsx）文件，请使用下发的模板填报后报送", "a zip, but not a workbook")
    types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if "xl/vbaProject.bin" in names or b"macroEnabled" in types:
        return _finding(
            "含宏的工作簿（.xlsm）不予接收，请“另存为”Excel 工作簿（.xlsx）后报送", "macro-enabled workbook"
        )
    return None
