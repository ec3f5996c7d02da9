"""The budgeting method passes the core's conformance suite for participation methods."""

from core.testing.conformance import MethodConformance


class TestBudgetingConformance(MethodConformance):
    method = "budgeting"
