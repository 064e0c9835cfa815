"""What the coach watches for beyond the steps: the slow-down, mirroring, danger and heat."""
