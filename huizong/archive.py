"""The archive of everything received: ``<home>/archive/<2 hex>/<sha256><suffix>``, written so that a file is either
whole under its name or not there at all (written beside it, flushed to disk, renamed, the folder flushed).

``store_stream`` takes a file-like object (an upload) and bounds its size while it copies: nothing larger than
``limit`` is ever written whole or held in memory. ``write_whole`` writes what huizong makes itself (receipts,
report drafts) the same way, whole or not at all, without the flushes.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16


class TooLarge(Exception):
    """The stream went on past the limit; nothing was kept."""


def archive_path(root: Path, digest: str, suffix: str) -> Path:
    return root / digest[:2] / f"{digest}{suffix}"


def store_stream(root: Path, stream: BinaryIO, suffix: str, limit: int, sync: bool = True) -> tuple[str, Path, int]:
    """Copy ``stream`` into the archive under ``root``; return its SHA-256, where it lies and its size in bytes.
    ``sync=False`` leaves flushing to the caller (intake flushes a whole run's copies with one ``os.sync``)."""
    partial = root / f".incoming-{uuid.uuid4().hex}"
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"larger than {limit} bytes")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            if sync:
                os.fsync(out.fileno())
        target = archive_path(root, digest.hexdigest(), suffix)
        if target.exists():
            partial.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
            if sync:
                sync_folder(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), target, size


def write_whole(path: Path, data: bytes) -> Path:
    """Write ``data`` as ``path`` whole: beside it first, then renamed into place, so a half-written file (a full
    disk) never appears under its name, and what was there stays until the new one is complete."""
    partial = path.with_name(f".{uuid.uuid4().hex}{path.suffix}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def sync_folder(folder: Path) -> None:
    """Make the names in ``folder`` (a file just renamed into it) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_partials(home_root: Path) -> list[Path]:
    """Remove what a run that was killed left half written: archive copies and snapshots. Called by the holder of
    the run lock (no other run can be writing them)."""
    archive, published = home_root / "archive", home_root / "published"
    found = [*archive.glob(".incoming-*"), *archive.glob("*/.*.*"), *published.glob(".huizong.*.duckdb")]
    found += published.glob("values/.*.parquet")  # parts of the snapshot's values (huizong.publishing)
    for path in found:
        path.unlink(missing_ok=True)
    return found
