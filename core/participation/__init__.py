"""Participation primitives every method shares: comments, reactions, follows, reports and moderation, statuses.

Modules: ``registry`` (the ``ItemKind`` adapter), ``items`` (resolving ``(kind, id)`` with tenant, phase and
visibility checks), ``comments``, ``reactions``, ``follows``, ``moderation``, ``statuses``, ``personal`` (data
export and forgetting), ``view`` (what an item page renders), ``routes`` (``/items/{kind}/{id}/...``) and
``admin`` (the municipality-wide moderation queue). docs/participation.md explains how a method uses them.
"""
