"""Rubrics, the competency framework and trainers' assessments of submitted work."""
