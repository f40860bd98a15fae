"""Programme catalogue, cohort set-up, gatherings and enrolments (a Coélab plugin)."""
