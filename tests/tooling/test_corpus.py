"""The corpus reader: the real file when present, else a clear error or the stand-in."""

import pytest

import modules.course.corpus as corpus


def test_a_missing_corpus_names_the_command_that_fetches_it(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "TINYSHAKESPEARE", tmp_path / "input.txt")
    with pytest.raises(FileNotFoundError, match=r"\./datasets\.sh --tiny tinyshakespeare"):
        corpus.tinyshakespeare()


def test_the_standin_is_used_only_when_allowed_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus, "TINYSHAKESPEARE", tmp_path / "input.txt")
    assert corpus.tinyshakespeare(allow_standin=True) == corpus.STANDIN
    assert "stand-in" in capsys.readouterr().out
    (tmp_path / "input.txt").write_text("real text", encoding="utf-8")
    assert corpus.tinyshakespeare(allow_standin=True) == "real text"
