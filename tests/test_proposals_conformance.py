from core.testing.conformance import MethodConformance


class TestProposalsConformance(MethodConformance):
    method = "proposals"
    example_config = {
        "threshold_kind": "absolute",
        "threshold": 3,
        "deadline_kind": "days",
        "deadline_days": 30,
        "prescreening": True,
        "min_cosponsors": 0,
        "withdrawal_allowed": True,
        "response_days": 60,
        "retention_days": 30,
    }
