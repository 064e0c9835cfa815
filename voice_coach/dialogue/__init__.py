"""The Imago Dialogue as data and a pure state machine: steps, exercises, answers, wording."""
