"""A small but complete participation method used to test the core: residents support a phase once.

It is written against nothing but ``core``'s public API and is registered in tests through ``settings.plugins``
(``tests.dummy_method.plugin``), never as an entry point. docs/writing_plugins.md builds it step by step.
"""
