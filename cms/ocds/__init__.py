"""Open data: the platform's contracting processes as OCDS 1.1.5 releases,
records and packages (``/ocds/``).  See ``releases`` for what each release
says and ``schema/README.md`` for the copy of the standard."""
