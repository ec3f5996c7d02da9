from core.testing.conformance import MethodConformance


class TestWorkshopConformance(MethodConformance):
    method = "workshop"
    example_config = {
        "allowed_hosts": ["meet.example.org", "stream.example.net"],
        "premoderation": False,
        "anonymous_cards": True,
        "max_card_length": 400,
    }
