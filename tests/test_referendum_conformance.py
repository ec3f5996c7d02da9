"""The core's conformance suite for the referendum method."""

from core.testing.conformance import MethodConformance


class TestReferendumConformance(MethodConformance):
    method = "referendum"
    example_config = {"participation_quorum": 30, "approval_quorum": 20, "binding": True, "live_turnout": True}
