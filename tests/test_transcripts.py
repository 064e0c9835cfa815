from voice_coach.events import PieceTranscribed, TurnEnded
from voice_coach.hearing.transcripts import TranscriptAssembler


def piece(turn, s, e, text, t=0.0):
    return PieceTranscribed(turn, s, e, text, 0.1, t)


def test_turn_text_joins_pieces_in_order_whatever_order_they_arrive():
    a = TranscriptAssembler()
    assert a.on_piece(piece(1, 9.3, 12.0, "and then I left.")) is None
    assert a.on_turn_end(TurnEnded(1, 0.3, 12.0, 13.0, ((0.0, 9.0), (9.3, 12.0)))) is None
    assert a.pending_turns() == [1]
    done = a.on_piece(piece(1, 0.0, 9.0, " I waited, ", t=13.4))
    assert done is not None and done.text == "I waited, and then I left." and done.t == 13.4
    assert a.pending_turns() == []


def test_text_already_there_completes_at_turn_end():
    a = TranscriptAssembler()
    a.on_piece(piece(2, 0.0, 1.0, "an older guess"))
    a.on_piece(piece(2, 0.0, 2.0, "Yes."))
    done = a.on_turn_end(TurnEnded(2, 0.3, 2.0, 3.0, ((0.0, 2.0),)))
    assert done is not None and done.text == "Yes." and done.t == 3.0


def test_a_piece_of_another_turn_does_not_complete():
    a = TranscriptAssembler()
    a.on_turn_end(TurnEnded(3, 0.0, 2.0, 3.0, ((0.0, 2.0),)))
    assert a.on_piece(piece(4, 0.0, 2.0, "hm")) is None
