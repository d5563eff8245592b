"""Tokens: tiny tokenizers served by the fake Hub; only tokenizer files travel; ids and places are checked against
the `tokenizers` library reading the same tokenizer.json directly."""

from __future__ import annotations

import itertools

import pytest

from lib import errors, tokens
from lib.tokens import tokenize

TEXT = "My name is Sarah and I live in London."


@pytest.fixture(scope="module")
def tiny_tokenizers(fake_hub, tmp_path_factory):
    from tests import tiny_models

    served = {}
    for kind, repo in (("fill-mask", "tok-org/tiny-bert"), ("text-generation", "tok-org/tiny-gpt2")):
        folder = tiny_models.build(kind, tmp_path_factory.mktemp(kind))
        fake_hub.add_local_repo("model", repo, folder, pipeline_tag=kind)
        served[repo] = folder
    return served


@pytest.mark.parametrize("repo", ["tok-org/tiny-bert", "tok-org/tiny-gpt2"])
def test_tokens_match_the_tokenizer_file_and_never_download_weights(hub, tiny_tokenizers, repo):
    from tokenizers import Tokenizer

    hub.clear_requests()
    out = tokenize(repo, TEXT)
    reference = Tokenizer.from_file(str(tiny_tokenizers[repo] / "tokenizer.json")).encode(TEXT)
    assert [t.id for t in out.tokens] == reference.ids
    assert out.count == len(reference.ids)
    for tok, (start, end) in zip(out.tokens, reference.offsets, strict=True):
        if not tok.special:
            assert (tok.start, tok.end) == (start, end) and tok.text == TEXT[start:end]
    fetched = [r.path for r in hub.requests if "/resolve/" in r.path]
    assert fetched and not any(p.endswith((".safetensors", ".bin")) for p in fetched), fetched


def test_spans_rebuild_the_text_and_the_context_share(hub, tiny_tokenizers):
    out = tokenize("tok-org/tiny-bert", TEXT, config={"max_position_embeddings": 64})
    assert "".join(text for text, _ in out.spans()) == TEXT
    assert out.tokens[0].special and out.tokens[0].text == "[CLS]"  # what the model sees, not what was typed
    assert out.context == 64 and out.share == pytest.approx(out.count / 64)


def test_a_missing_model_is_an_app_error(hub):
    with pytest.raises(errors.NotFoundError):
        tokenize("tok-org/nothing-here", TEXT)


# ------------------------------------------------------------------------------------------- what a page shows


def _hostile() -> tokens.Tokenized:
    text = '<b onclick="x">A & B</b>'
    pieces = [(0, 2), (2, 15), (15, 16), (17, 18), (19, 20), (20, 24)]  # the spaces at 16 and 18 are dropped
    toks = [tokens.Token(id=101, text="[CLS]", start=None, end=None)]
    toks += [tokens.Token(id=n, text=text[s:e], start=s, end=e) for n, (s, e) in enumerate(pieces)]
    toks.append(tokens.Token(id=102, text="[SEP]", start=None, end=None))
    return tokens.Tokenized(model="m", text=text, tokens=tuple(toks), context=64)


def test_marked_html_escapes_every_piece_and_gives_each_tokens_id_on_hover():
    import html
    import re

    out = tokens.marked_html(_hostile())
    assert "<b" not in out.replace("<b>", "") and "onclick=\"" not in out  # nothing of the text is markup
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == _hostile().text  # the text, whole, as text
    assert [int(i) for i in re.findall(r'title="id (\d+)"', out)] == [0, 1, 2, 3, 4, 5]  # specials are not in it
    backgrounds = re.findall(r"background:(#[0-9a-f]{6})", out)
    assert all(a != b for a, b in itertools.pairwise(backgrounds))  # neighbours never share a color


def test_counts_and_shares_as_a_page_says_them():
    hostile = _hostile()
    assert tokens.share_text(hostile) == "8 tokens, 12.5% of its 64-token context"
    unknown = tokens.Tokenized(model="n", text="a", tokens=(tokens.Token(1, "a", 0, 1),), context=None)
    assert tokens.share_text(unknown) == "1 token, context unknown"
    assert tokens.added_tokens(hostile) == ["[CLS]", "[SEP]"]
    assert tokens.counts_table([hostile, unknown]) == {"m": ["8", "12.5% of 64"], "n": ["1", "unknown"]}
