"""Public demand list (/needs/): being built; see the needs issue."""
