"""Doubles of the outer boundary speaking the real protocols: GitHub (REST, git) and Messages."""
