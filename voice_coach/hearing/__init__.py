"""How the coach hears: sound in, speech found, turns and their ends, whose voice, words."""
