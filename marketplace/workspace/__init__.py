"""The officer's workspace (/work/): the to-do page that gathers, from every
domain, what waits for a procurement officer.  The top layer of the
marketplace app: it reads the domains' selectors and permissions; no domain
imports it (see .importlinter)."""
