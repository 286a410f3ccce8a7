"""Validation of scorers against labelled data: agreement with intervals, confusion matrices."""
