"""Ideation: residents post ideas, discuss and react; the municipality moderates, answers and reports back."""
