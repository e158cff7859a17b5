"""Public catalogue (/catalogue/)."""
