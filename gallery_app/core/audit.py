"""The append-only audit log: who changed consent, overrode a verdict, withdrew or exported.

A data-protection officer answering a complaint needs to show what was known and done, when
and by whom. Rows are only ever inserted (the catalog's triggers refuse updates and deletes),
and every entry is written in the same transaction as the change it describes, so the log can
never claim something that did not happen or miss something that did.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from typing import Any

from gallery_app.core.project import now_iso


def current_actor() -> str:
    """The operating-system user, which is who did it on a shared office laptop."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def record(
    conn: sqlite3.Connection,
    *,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    actor: str | None = None,
) -> int:
    """Append one entry; call inside the transaction that makes the change."""
    cursor = conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, details, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            now_iso(),
            actor or current_actor(),
            action,
            subject,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            reason,
        ),
    )
    return int(cursor.lastrowid or 0)


def entries(conn: sqlite3.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The log, oldest first."""
    sql = "SELECT id, at, actor, action, subject, details, reason FROM audit_log ORDER BY id"
    params: tuple[Any, ...] = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    return [
        {**dict(row), "details": json.loads(row["details"])} for row in conn.execute(sql, params)
    ]
