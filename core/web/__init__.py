"""HTTP layer of the core: pages, forms and fragments."""
