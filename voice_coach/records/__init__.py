"""What a session leaves: its log, the index of past sessions, the report, the keepsakes."""
