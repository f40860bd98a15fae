"""Tables of the recommendations plugin: entries of a collection, their endorsements and
discussion, the adopted entries as each submission handed them in, and the shared corpus
of validated recommendations.

A collection itself is a core :class:`coelab.deliverables.models.Deliverable` of kind
``recommendation_collection``; its entries are each a co-written core document.
"""

from __future__ import annotations

import enum
from datetime import datetime

from coelab.api import Deliverable, Document, User, UTCDateTime, db, str_enum, utcnow
from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship


class EntryStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    SET_ASIDE = "set_aside"


class RecommendationEntry(db.Model):
    """One recommendation proposed in a collection, with its own co-written document."""

    __tablename__ = "recommendation_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    theme_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, 20), default=EntryStatus.PROPOSED)
    # why the authors set it aside (kept when it is reopened, until the next decision)
    status_reason: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    collection: Mapped[Deliverable] = relationship()
    document: Mapped[Document] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    endorsements: Mapped[list[Endorsement]] = relationship(
        back_populates="entry", order_by="Endorsement.created_at",
        cascade="all, delete-orphan")
    messages: Mapped[list[DiscussionMessage]] = relationship(
        back_populates="entry", order_by="DiscussionMessage.created_at",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<RecommendationEntry {self.id} {self.status}>"


class Endorsement(db.Model):
    """One person's support of an entry (one per person and entry)."""

    __tablename__ = "recommendation_endorsements"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation_entries.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[RecommendationEntry] = relationship(back_populates="endorsements")
    user: Mapped[User] = relationship()


class DiscussionMessage(db.Model):
    """A plain-text message in the discussion of an entry."""

    __tablename__ = "recommendation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation_entries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[RecommendationEntry] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class FrozenRound(db.Model):
    """A collection's adopted entries as its authors handed them in at one submission
    (one round): written with the version frozen then, by the kind's ``freeze`` hook
    (:func:`recommendations.operations.frozen_markdown`), never changed afterwards.
    When the jury validates that round, the corpus copies these entries
    (:func:`recommendations.operations.publish_collection`)."""

    __tablename__ = "recommendation_frozen_rounds"
    __table_args__ = (UniqueConstraint("collection_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"))
    # the submission's round (coelab.deliverables.models.Submission.round)
    round: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[FrozenEntry]] = relationship(
        back_populates="frozen_round", order_by="FrozenEntry.position",
        cascade="all, delete-orphan")


class FrozenEntry(db.Model):
    """One adopted entry of a :class:`FrozenRound`: its title, theme, place and text as
    handed in (the entry itself may change in a later round)."""

    __tablename__ = "recommendation_frozen_entries"
    __table_args__ = (UniqueConstraint("frozen_round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    frozen_round_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation_frozen_rounds.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation_entries.id", ondelete="SET NULL"), index=True)
    # its place among the round's adopted entries, from 1
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    theme_code: Mapped[str] = mapped_column(String(20))
    markdown: Mapped[str] = mapped_column(Text)

    frozen_round: Mapped[FrozenRound] = relationship(back_populates="entries")


#: the expression PostgreSQL indexes and searches (both must be the same text)
PG_TSVECTOR = "to_tsvector('french', search_text)"
FTS_TABLE = "recommendation_corpus_fts"


class CorpusEntry(db.Model):
    """A recommendation of a collection validated by its jury, readable by everyone.

    It is a copy, not a link: the corpus keeps what the jury validated, whatever happens
    to the cohort later. ``search_text`` is the title and text in lower case without
    accents, which PostgreSQL indexes; SQLite searches a FTS5 table kept in sync by
    :mod:`recommendations.operations`.
    """

    __tablename__ = "recommendation_corpus"
    __table_args__ = (
        Index("ix_recommendation_corpus_search", text(PG_TSVECTOR),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation_entries.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    theme_code: Mapped[str] = mapped_column(String(20), index=True)
    theme_label: Mapped[str] = mapped_column(String(300))
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    cohort_name: Mapped[str] = mapped_column(String(200))
    # the year the cohort started, and its training year as the programme writes it
    year: Mapped[int] = mapped_column(Integer, index=True)
    year_label: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The FTS5 table is not a mapped table: created with the corpus table (tests build the
# schema with create_all) and by the branch's migration.
event.listen(CorpusEntry.__table__, "after_create", DDL(
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')").execute_if(dialect="sqlite"))
event.listen(CorpusEntry.__table__, "before_drop", DDL(
    f"DROP TABLE IF EXISTS {FTS_TABLE}").execute_if(dialect="sqlite"))

# Tables Alembic must leave alone (autogenerate would otherwise drop them): SQLite's FTS5
# table and its shadow tables. The core's migration environment skips the names listed
# in ``metadata.info["unmanaged_tables"]``.
db.metadata.info.setdefault("unmanaged_tables", set()).update(
    FTS_TABLE + suffix for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config"))
