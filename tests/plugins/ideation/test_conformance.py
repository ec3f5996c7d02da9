from core.testing.conformance import MethodConformance


class TestIdeationConformance(MethodConformance):
    method = "ideation"
