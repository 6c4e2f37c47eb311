"""dti-pipeline: the monthly provincial digital-transformation index from operational systems."""

__version__ = "0.1.0"
