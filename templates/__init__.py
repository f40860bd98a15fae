"""Jinja templates of every Coélab package, one folder each (installed: coelab_templates)."""
