"""The second reader of danger: the meaning classifier beside the phrases (care_model.py,
sentence_encoder.py), with the real MiniLM model from its wheel."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from voice_coach.coaching.care import SELF_HARM, VIOLENCE, CareWatch, danger
from voice_coach.coaching.care_model import HEAD, CareHead, CareModel, load_care_model
from voice_coach.coaching.sentence_encoder import FILES, SentenceEncoder, model_zip, unpacked
from voice_coach.errors import UserError


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpacked(tmp_path_factory.mktemp("cache") / "minilm")


@pytest.fixture(scope="module")
def model(folder: Path) -> CareModel:
    return load_care_model(folder)


class _Fake:
    """A meaning reader that says what it is told."""

    threshold = 0.85

    def __init__(self, p: float, kind: str = VIOLENCE) -> None:
        self.p, self.kind, self.asked = p, kind, 0

    def judge(self, text: str) -> tuple[float, str]:
        self.asked += 1
        return self.p, self.kind


def test_the_meaning_reader_speaks_only_when_the_phrases_did_not_and_it_is_sure():
    assert danger("We argued about the dishes again.", _Fake(0.9, SELF_HARM)) == SELF_HARM
    assert danger("We argued about the dishes again.", _Fake(0.84)) is None  # below its threshold
    sure = _Fake(0.99, SELF_HARM)
    assert danger("He slapped me in front of the kids.", sure) == VIOLENCE  # the phrases' kind
    assert sure.asked == 0  # not asked when the phrases already heard it
    assert danger("   ", sure) is None and sure.asked == 0
    watch = CareWatch(_Fake(0.9))
    assert watch.on_piece(1, "it was the night of the party") == VIOLENCE
    assert watch.on_turn(1, "it was the night of the party") is None  # flagged once a turn
    each = _Fake(0.1)
    assert danger("We talked. Then we ate! Was it late? Yes", each) is None and each.asked == 4  # each sentence


def test_a_model_that_fails_on_some_text_leaves_the_phrases_and_says_so_once(capsys: pytest.CaptureFixture[str]):
    from voice_coach.session_models import BackgroundModels, LazyMeaning

    class Broken(_Fake):
        def judge(self, text: str) -> tuple[float, str]:
            raise KeyError("encoder.layer.5.output.dense.weight")

    loading = BackgroundModels({"meaning": lambda: Broken(1.0)})
    meaning = LazyMeaning(loading, CareHead())
    assert danger("Some nights I sleep in the car. He cannot get me there.", meaning) is None
    assert danger("He slapped me in front of the kids.", meaning) == VIOLENCE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the sentence model failed" in err[0] and "phrases alone" in err[0]


def test_sentences_of_like_meaning_lie_close(folder: Path):
    enc = SentenceEncoder(folder)
    a, b, c = (enc.embed(t) for t in ("He hit me last night.", "My husband beat me yesterday evening.",
                                       "Could you pick up some bread on the way home?"))
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-4 for v in (a, b, c))
    assert a @ b > a @ c + 0.2
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct((folder / f).stat().st_mode & 0o777) == "0o600" for f in FILES)


# Written for this test (not from any labelled set): danger in words the phrases do not hold, and
# near misses that share its words or feelings. (A second case, "I keep my phone on me in the
# bathroom in case he starts again.", is read at 0.87 since the threshold went to 0.95 to spare the
# fears of an ordinary frustration: the price of precision, in docs/benchmarks.md, "Care".)
@pytest.mark.parametrize("text", [
    "Some nights I sleep in the car so that he cannot get to me.",
])
def test_danger_the_phrases_did_not_foresee_is_heard_by_its_meaning(model: CareModel, text: str):
    assert danger(text) is None  # the phrases alone miss it
    p, _ = model.judge(text)
    assert p >= model.threshold and danger(text, model) is not None


@pytest.mark.parametrize("text", [
    "This commute is killing me.",
    "I felt hurt when you forgot our anniversary.",
    "I'm scared we are drifting apart.",
    "The film last night was so violent I had to look away.",
    "Let me see if I got that. You felt alone when I stayed late at work.",
])
def test_near_misses_stay_below_the_threshold(model: CareModel, text: str):
    p, _ = model.judge(text)
    assert p < model.threshold and danger(text, model) is None


def test_the_self_harm_head_tells_the_kind(model: CareModel):
    assert model.judge("Lately I have been thinking it would be easier not to wake up.")[1] == SELF_HARM
    assert model.judge("He threw the plate at my head and I had to duck.")[1] == VIOLENCE


def test_a_missing_or_broken_model_is_one_clear_line(tmp_path: Path):
    with pytest.raises(UserError, match="cannot unpack the sentence model"):
        bad = tmp_path / "bad.zip"
        bad.write_bytes(b"not a zip")
        unpacked(tmp_path / "a", bad)
    with pytest.raises(UserError, match="cannot unpack the sentence model"):
        empty = tmp_path / "empty.zip"
        with zipfile.ZipFile(empty, "w") as z:
            z.writestr("other.txt", "x")
        unpacked(tmp_path / "b", empty)
    assert not list((tmp_path / "b").glob("*.part"))  # nothing half-written stays
    folder = unpacked(tmp_path / "c")
    whole = (folder / "model.safetensors").stat().st_size
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(UserError, match="cannot load the sentence model .* delete the folder"):
        SentenceEncoder(folder)
    assert unpacked(folder) == folder and (folder / "model.safetensors").stat().st_size == whole  # mended
    SentenceEncoder(folder).embed("It loads again.")
    broken = tmp_path / "head.json"
    broken.write_text('{"threshold": 0.5}')
    with pytest.raises(UserError, match="cannot read the care classifier"):
        CareHead(broken)


def test_the_shipped_head_says_how_it_was_made():
    assert model_zip() is not None  # setup installed the wheel
    text = HEAD.read_text()
    assert '"by": "scripts/train_care.py"' in text
    assert "care_blind_14" not in text and "care_blind_15" not in text  # never the held-out sets (bench_care.HELD_OUT)
    assert "care_blind_13.tsv" in text  # ... and every set that is tuned on


def test_a_cache_that_cannot_be_written_leaves_the_phrases_alone_and_says_so_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    from voice_coach.session_models import BackgroundModels, LazyMeaning, _meaning

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    loading = BackgroundModels({"meaning": lambda: _meaning(blocked / "minilm", CareHead())})
    meaning = LazyMeaning(loading, CareHead())
    assert meaning.judge("Some nights I sleep in the car so that he cannot get to me.")[0] == 0.0
    loading.wait()  # no error reaches the session
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot unpack the sentence model" in err[0] and "phrases alone" in err[0]
    assert danger("He slapped me in front of the kids.", meaning) == VIOLENCE  # the phrases still hear
