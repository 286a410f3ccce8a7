"""Safeguards: a constitution of principles, guards that enforce it, and their evaluation.

A principle-based guard reads the constitution in its prompt and reasons about each request and
each answer; a rules-based filter (patterns) is the baseline it must beat; an embedding classifier
is the cheap offline guard. Any of them wraps a target model through ``safeguarded/<model>``.
"""
