"""Tokens: tiny tokenizers served by the fake Hub; only tokenizer files travel; ids and places are checked against
the `tokenizers` library reading the same tokenizer.json directly."""

from __future__ import annotations

import pytest

from lib import errors
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
