"""Collections of good-practice recommendations and the shared corpus (a Coélab plugin)."""
