"""合同: the contract made from an award, its kinds, clauses, documents,
signatures, amendments and milestones (the terms of delivery)."""
