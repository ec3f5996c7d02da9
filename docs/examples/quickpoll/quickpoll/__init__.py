"""A one-question poll for Townhall, written against ``from core import ...`` only (see docs/writing_plugins.md)."""
