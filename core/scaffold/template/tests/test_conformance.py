"""The core's conformance suite for participation methods, run against this package through its entry point.

Run with ``pytest`` after ``pip install -e .``; set ``TOWNHALL_TEST_DATABASE_URL`` to test on PostgreSQL.
"""

from core.testing.conformance import MethodConformance


class Test@@{Key}Conformance(MethodConformance):
    method = "@@key"
    example_config = {"intro": "Tell us you are coming."}
