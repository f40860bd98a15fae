"""Admissions (docs/domain.md, "Admission"; docs/architecture.md, "Admissions"): from a
candidate's application to the commission's list of admitted people, whose admission
ends in an enrolment and an open passeport compétences. Part of the cohort plugin, which
owns enrolments; it reaches the core through coelab.api only."""
