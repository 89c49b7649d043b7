"""Hostile inputs: a corpus of bad scenario files and bad command lines, each of which must be
refused cleanly (exit status 2, no traceback, the key and the value named, nothing written)."""
