"""Who reads and writes a co-edited document (its readers and authors are the policy
engine's vocabulary: :func:`coelab.policy.reads_document`)."""

from __future__ import annotations

from ..policy import Rule, reads_document, trainee_or_staff, writes_document

RULES: dict[str, Rule] = {
    "document.create": trainee_or_staff,
    "document.read": reads_document,
    "document.write": writes_document,
    "document.save_version": writes_document,
}
