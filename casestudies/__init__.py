"""Case studies (collective and thematic) and strategic mini-diagnostics (a Coélab plugin)."""
