"""The public JSON API (``/api/v1``): routes in ``routes``, the method hook's types in ``types``, read limits."""
