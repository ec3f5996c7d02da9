from core.testing.conformance import MethodConformance


class TestQuickpollConformance(MethodConformance):
    method = "quickpoll"
    example_config = {
        "question": {"en": "Which day suits you?", "ar": "أي يوم يناسبك؟"},
        "answers": {"en": ["Saturday", "Sunday", "Monday"], "nl": ["Zaterdag", "Zondag"]},
    }
