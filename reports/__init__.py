"""Anonymised statistics: headline figures, breakdowns, ESF+ indicators, disclosure control.

Nothing in this package returns a person: every figure is a count (of unique persons unless
named otherwise), and every table a user can see or export passes through
:func:`reports.disclosure.protect` first.
"""
