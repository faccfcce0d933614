"""Counselling cases and sessions, interpreter requests, interpreters and languages."""
