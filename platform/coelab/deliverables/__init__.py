"""Deliverables: the assessed work of a cohort, of any kind a plugin declares.

A deliverable ties a kind (:class:`coelab.plugins.DeliverableKind`), its authors (a team,
one trainee or the whole cohort), a co-edited document, a due date, descriptive details,
attachments and a workflow state together. The core renders every kind the same way.
"""
