"""Tagging article text: companies (known and unknown), French numbers and metrics, layoff mentions."""
