"""How the coach speaks: the voices, each cue rendered once and cached, and the speaker."""
