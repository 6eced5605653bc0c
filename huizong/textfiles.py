"""Configuration files as offices really save them: UTF-8 with or without a BOM, GBK/GB18030 from Chinese Excel, or
UTF-16 from Notepad, read as text; and TOML errors said in Chinese with the line, in one line."""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path
from typing import Any

from huizong.errors import HuizongError


def read_text(path: Path, error: type[HuizongError]) -> str:
    """The text of ``path`` in whichever of the encodings above it was saved; else ``error`` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: 无法读取（{exc.strerror}）(cannot read)") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(path, data, "utf-16", error)
    if data.startswith(codecs.BOM_UTF8):
        return _decode(path, data, "utf-8-sig", error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # GBK is a subset: what Chinese Excel and WPS save as "CSV" by default
    except UnicodeDecodeError:
        raise error(
            f"{path}: 文件编码无法识别（不是 UTF-8、GBK/GB18030 或 UTF-16），请另存为 UTF-8 (unknown encoding)"
        ) from None


def _decode(path: Path, data: bytes, encoding: str, error: type[HuizongError]) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise error(f"{path}: 文件声明为 {encoding.upper()} 编码但内容有误，请另存为 UTF-8 (bad {encoding})") from None


def load_toml(path: Path, error: type[HuizongError]) -> dict[str, Any]:
    text = read_text(path, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"第 {found.group(1)} 行第 {found.group(2)} 列" if found else "某处"
        raise error(f"{path}: TOML 格式错误，{where}：{_chinese(str(exc))} (TOML syntax: {exc})") from exc


def _chinese(message: str) -> str:
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
    words = {
        "Invalid value": "值无效（日期写作 2026-01-31，文字加英文引号）",
        "Expected '=' after a key in a key/value pair": "键后面缺少“=”",
        "Invalid statement": "无法识别的语句",
        "Cannot overwrite a value": "同一个键写了两次",
        "Unclosed array": "方括号没有闭合",
        "Illegal character": "含有不允许的字符（如全角引号或全角等号）",
        "Expected newline or end of document after a statement": "一行只能写一个“键 = 值”（日期写作 2026-01-31）",
    }
    return next((chinese for english, chinese in words.items() if message.startswith(english)), "语法错误")


def line_of(text: str, key: str, block: str = "", nth: int = 0) -> int:
    """The line (1-based) where ``key =`` stands, within the ``nth`` ``[[block]]`` when given; 0 when not found."""
    lines = text.splitlines()
    start = 0
    if block:
        heads = [i for i, line in enumerate(lines) if line.strip() == f"[[{block}]]"]
        if nth >= len(heads):
            return 0
        start = heads[nth]
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, len(lines)):
        if i > start and block and lines[i].strip().startswith("["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return 0
