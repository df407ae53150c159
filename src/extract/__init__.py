"""extract: structured, checkable claims from German foreign-policy articles."""

__version__ = "0.1.0"
