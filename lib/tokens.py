"""How a text splits into tokens for a model: the tokens with their places in the text, ids, the count, and the
share of the model's context window the text uses.

Only the tokenizer's files are downloaded (`AutoTokenizer.from_pretrained` reads the tokenizer files and the
small config.json, never the weights). transformers is imported here, on first use. Loaded tokenizers are kept
(least recently used dropped first): they are a few MB each.
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lib.translate import translated

MAX_TOKENIZERS = 16
#: Light backgrounds the marked tokens take in turn (dark text on each, in light and dark themes alike).
TOKEN_BACKGROUNDS = ("#fde2b3", "#cde7f7", "#d9f2d0", "#f4d3e8", "#e6dcf7")
#: `model_max_length` above this is transformers' "no limit" placeholder (int(1e30)), not a context window.
_NO_LIMIT = 10_000_000


@dataclass(frozen=True)
class Token:
    id: int
    text: str  # the piece of the input it covers, or the token itself for special tokens
    start: int | None  # place in the input (None: a special token the tokenizer added)
    end: int | None

    @property
    def special(self) -> bool:
        return self.start is None


@dataclass(frozen=True)
class Tokenized:
    model: str
    text: str
    tokens: tuple[Token, ...]
    context: int | None  # the model's context window in tokens, when known

    @property
    def count(self) -> int:
        return len(self.tokens)

    @property
    def share(self) -> float | None:
        """The share of the context window this text uses (1.0 = full)."""
        return self.count / self.context if self.context else None

    def spans(self) -> list[tuple[str, int | None]]:
        """The input cut into (text, token id) pieces in order, gaps (spaces the tokenizer drops) as (text, None):
        what a page marks up, token by token."""
        out: list[tuple[str, int | None]] = []
        at = 0
        for tok in self.tokens:
            if tok.start is None or tok.end is None or tok.start < at:
                continue
            if tok.start > at:
                out.append((self.text[at:tok.start], None))
            out.append((self.text[tok.start:tok.end], tok.id))
            at = tok.end
        if at < len(self.text):
            out.append((self.text[at:], None))
        return out


_cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
_lock = threading.Lock()


def _fingerprint(token: str | None) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else "-"


def load_tokenizer(model: str, *, token: str | None = None) -> Any:
    """The model's tokenizer (tokenizer files only), kept for later calls."""
    key = (model, _fingerprint(token))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from transformers import AutoTokenizer

    with translated(model, service="pipeline"):
        tokenizer = AutoTokenizer.from_pretrained(model, token=token)
    with _lock:
        _cache[key] = tokenizer
        while len(_cache) > MAX_TOKENIZERS:
            _cache.popitem(last=False)
    return tokenizer


def context_window(tokenizer: Any, config: dict[str, Any] | None = None) -> int | None:
    """The context window: the config's (see `lib.compare.table.CONTEXT_KEYS`), else the tokenizer's own limit."""
    from lib.compare.table import CONTEXT_KEYS

    for key in CONTEXT_KEYS:
        value = (config or {}).get(key)
        if isinstance(value, int) and 0 < value < _NO_LIMIT:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if isinstance(limit, int) and 0 < limit < _NO_LIMIT else None


def tokenize(model: str, text: str, *, token: str | None = None, config: dict[str, Any] | None = None) -> Tokenized:
    """`text` as `model`'s tokenizer splits it (special tokens it adds included, as the model sees them)."""
    tokenizer = load_tokenizer(model, token=token)
    fast = getattr(tokenizer, "is_fast", False)
    encoded = tokenizer(text, return_offsets_mapping=fast, add_special_tokens=True)
    ids = list(encoded["input_ids"])
    special = set(tokenizer.all_special_ids)
    pieces = tokenizer.convert_ids_to_tokens(ids)
    offsets = list(encoded["offset_mapping"]) if fast else [None] * len(ids)
    tokens = []
    for tid, piece, span in zip(ids, pieces, offsets, strict=True):
        if span is None or (tid in special and span[0] == span[1]):
            tokens.append(Token(id=int(tid), text=str(piece), start=None, end=None))
        else:
            tokens.append(Token(id=int(tid), text=text[span[0]:span[1]], start=int(span[0]), end=int(span[1])))
    return Tokenized(model=model, text=text, tokens=tuple(tokens), context=context_window(tokenizer, config))


# ------------------------------------------------------------------------------------------- what a page shows


def share_text(tokenized: Tokenized) -> str:
    """"12 tokens, 18.8% of its 64-token context" (or "context unknown")."""
    count = f"{tokenized.count:,} token{'s' if tokenized.count != 1 else ''}"
    if tokenized.share is None:
        return f"{count}, context unknown"
    return f"{count}, {tokenized.share:.1%} of its {tokenized.context:,}-token context"


def marked_html(tokenized: Tokenized) -> str:
    """The text with each token on its own background (colors in turn) and its id on hover (``title``); the spaces a
    tokenizer drops stay unmarked. Every piece of text is HTML-escaped, quotes included: the user's text and the
    tokenizer's pieces are shown, never run."""
    parts: list[str] = []
    marked = 0
    for text, token_id in tokenized.spans():
        piece = html.escape(text, quote=True)
        if token_id is None:
            parts.append(piece)
            continue
        color = TOKEN_BACKGROUNDS[marked % len(TOKEN_BACKGROUNDS)]
        marked += 1
        parts.append(f'<span title="id {int(token_id)}" style="background:{color};color:#1f2328;'
                     f'border-radius:3px;padding:1px 0">{piece}</span>')
    return ('<div style="white-space:pre-wrap;line-height:1.9;font-family:ui-monospace,monospace">'
            + "".join(parts) + "</div>")


def added_tokens(tokenized: Tokenized) -> list[str]:
    """The special tokens the tokenizer added around the text (``[CLS]``, ``</s>``...), in order."""
    return [t.text for t in tokenized.tokens if t.special]


def counts_table(results: Sequence[Tokenized]) -> dict[str, list[str]]:
    """The same text's token counts across models: one column per model, a row of counts and a row of the share of
    each model's context (as text, one type per column)."""
    return {r.model: [f"{r.count:,}", f"{r.share:.1%} of {r.context:,}" if r.share is not None else "unknown"]
            for r in results}


COUNTS_ROWS = ("Tokens", "Share of the context")
