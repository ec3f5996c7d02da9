"""The survey method passes the core's conformance suite."""

from core.testing.conformance import MethodConformance


class TestSurveyConformance(MethodConformance):
    method = "survey"
    example_config = {"anonymous": True}
