"""Offline evaluations of the pipeline against material it was not written for."""
