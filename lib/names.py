"""What people type and the app keeps: names (of users, saved searches, shortlists) and free texts (notes,
descriptions). One set of rules, used by `lib.saved` and `lib.shortlists`; each wraps the `ValueError` raised here
into its own error class.

Names are one line: NFC-normalised (so "é" typed as one code point or as "e" + accent is the same name), trimmed,
1 to `max_len` characters, no control characters. Texts may span lines (tabs and line breaks are kept, Windows and
old-Mac line ends become "\\n"), are trimmed, may be empty, and are at most `max_len` characters.

Neither is ever interpreted: SQL, Markdown and HTML in them are plain text, escaped where they are shown.
"""

from __future__ import annotations

import re
import unicodedata

# Characters a name may not contain: C0 controls and DEL (\x00-\x1f, \x7f), C1 controls (\x80-\x9f), the Unicode
# line and paragraph separators (\u2028, \u2029) and lone surrogates (\ud800-\udfff, which UTF-8 cannot store).
# Everything else is allowed: any script, emoji, spaces inside, quotes, %, _, ; and other SQL or Markdown syntax.
NAME_FORBIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

# The same for a multi-line text, less tab (\x09) and line feed (\x0a).
TEXT_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

SURROGATE_RE = re.compile("[\ud800-\udfff]")  # cannot be encoded as UTF-8, so cannot be stored


def clean_name(value: object, *, what: str, max_len: int) -> str:
    """`value` as stored, or `ValueError` saying what is wrong with the `what` ("search name", "list name")."""
    if not isinstance(value, str):
        raise ValueError(f"The {what} must be text.")  # noqa: TRY004 - callers turn ValueError into their error
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValueError(f"The {what} is empty.")
    if NAME_FORBIDDEN_RE.search(text):
        raise ValueError(f"The {what} contains a line break or control character.")
    if len(text) > max_len:
        raise ValueError(f"The {what} is {len(text)} characters long; at most {max_len} are allowed.")
    return text


def clean_text(value: object, *, what: str, max_len: int) -> str:
    """A multi-line text as stored ('' allowed), or `ValueError` saying what is wrong with the `what`."""
    if not isinstance(value, str):
        raise ValueError(f"The {what} must be text.")  # noqa: TRY004 - callers turn ValueError into their error
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if TEXT_FORBIDDEN_RE.search(text):
        raise ValueError(f"The {what} contains a control character.")
    if len(text) > max_len:
        raise ValueError(f"The {what} is {len(text)} characters long; at most {max_len} are allowed.")
    return text
