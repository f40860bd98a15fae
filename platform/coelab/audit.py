"""Audit events: who changed what, when, with the state before and after."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from .db import db
from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """The named attributes of ``obj`` as a JSON-safe dict, for ``before``/``after``."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def object_type(obj: Any) -> str:
    return obj.__tablename__


def record(
    action: str,
    obj: Any,
    *,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    cohort_id: int | None = None,
    summary: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (operations call this).

    ``obj`` must already have an id (the operation flushes before recording).
    """
    if obj.id is None:
        db.session.flush()
    actor_id = getattr(actor, "id", None) if actor is not None else None
    event = AuditEvent(
        action=action,
        object_type=object_type(obj),
        object_id=obj.id,
        actor_id=actor_id,
        cohort_id=cohort_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        summary=summary,
    )
    db.session.add(event)
    return event


def events_for_objects(objects: list[tuple[str, int]], *,
                       with_actors: bool = False) -> list[AuditEvent]:
    """The events recorded on any of ``objects`` (``(object type, id)``), newest first,
    in one query; ``with_actors``: their people read with them (one query)."""
    if not objects:
        return []
    query = (select(AuditEvent)
             .where(or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id == id_)
                          for kind, id_ in objects)))
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if with_actors:
        query = query.options(joinedload(AuditEvent.actor))
    return list(db.session.scalars(query))


def events_for(object_type_: str, object_id: int) -> list[AuditEvent]:
    """The events recorded on one object, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type_, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        )
    )
