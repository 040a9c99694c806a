"""Hash chains for append-only logs (全流程留痕): each row carries the hash of the row before.

The digest is SHA-256 over canonical JSON (sorted keys, no spaces, non-ASCII kept), the
scheme of the event log; a case log uses the same one.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime


def digest(payload: dict) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def moment(at: datetime) -> str:
    """A moment as hashed: in UTC, because the database hands it back in UTC."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def problems(rows: Sequence, *, length: int, head: str) -> list[tuple[int, str]]:
    """(seq, problem) for every way `rows` (ordered by seq; each with seq, prev_hash, hash and
    compute_hash()) disagree with their chain and with the owner's recorded length and head."""
    found = []
    previous = ""
    expected = 1
    for row in rows:
        if row.seq != expected:
            found.append((expected, f"缺少第 {expected} 条记录（下一条为第 {row.seq} 条）"))
            expected = row.seq
        if row.prev_hash != previous:
            found.append((row.seq, "前序哈希不符：之前的记录被修改或删除"))
        if row.compute_hash() != row.hash:
            found.append((row.seq, "内容与哈希不符：该记录被修改"))
        previous = row.hash
        expected += 1
    if len(rows) != length or previous != head:
        found.append(
            (length, f"日志应有 {length} 条、末条哈希应为 {head[:12]}…，实际不符：末尾记录被删除或篡改")
        )
    return found
