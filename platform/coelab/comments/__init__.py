"""Inline comments on deliverables: threads anchored to a passage of the text, replies,
resolution (README, "How it is built")."""
