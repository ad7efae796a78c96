"""Published risk rule sets (YAML data files)."""
