"""The contract pages: ``officer`` (/work/contracts/) and ``organization`` (/org/<pk>/contracts/)."""
