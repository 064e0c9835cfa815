"""Voice Coach: a private, hands-free facilitator for the Imago Dialogue."""

__version__ = "0.1.0"
