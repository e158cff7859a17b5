"""The shared kernel of the marketplace app (DESIGN §3): account security,
audit anchoring and the other pieces every domain uses.  Imports no domain."""
