"""The clerks' web page: a FastAPI face over the same engine as the command line.

Every call into the engine goes through ``engine.py``; the rest of this package is
accounts and rights (``auth``, ``rights``), the web's own tables (``db``), the data
folder (``storage``), background exports (``jobs``), the JSON API (``api``) and the
server-rendered pages (``pages``), wired together in ``app``.
"""
