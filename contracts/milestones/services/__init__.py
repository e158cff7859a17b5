"""The verbs of delivery and evaluation, one module per part of the work
(``reports``, ``supervision``; the evaluation's modules beside them)."""
