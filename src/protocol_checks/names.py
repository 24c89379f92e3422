"""How file names (and the handbook link base) are made safe to show.

A file name is chosen by whoever made the file, so it may hold anything the file system allows:
newlines that would forge a finding line, terminal escapes, bidirectional overrides, a leading
``::`` that GitHub Actions reads as a workflow command, or bytes that are not UTF-8. Every
text-like output (text, JUnit, the HTML report, the checklist command's messages) shows names
through :func:`display_name`; JSON and GitHub annotations carry :func:`os_name` under their own
lossless escaping, SARIF percent-encodes :func:`name_bytes`, and XML also passes
:func:`xml_text`.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls, format characters (bidi overrides, zero-width), surrogates, line/paragraph
separators: none of these may reach a terminal or a log raw (nor do Unicode's noncharacters,
which XML forbids)."""


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def name_bytes(name: str) -> bytes:
    """The bytes the OS knows the file by (a surrogate no decoder made, which only a caller can
    put in a name, becomes its UTF-8 form rather than an error)."""
    try:
        return os.fsencode(name)
    except UnicodeEncodeError:
        return b"".join(_char_bytes(c) for c in name)


def _char_bytes(char: str) -> bytes:
    try:
        return os.fsencode(char)
    except UnicodeEncodeError:
        return char.encode("utf-8", "surrogatepass")


def os_name(name: str) -> str:
    """The name as the OS gives it: bytes that are not text are shown as ``\\xe9``, never as
    the ``\\udce9`` surrogate escape Python uses internally."""
    return name_bytes(name).decode(sys.getfilesystemencoding(), "backslashreplace")


def _unsafe(char: str) -> bool:
    code = ord(char)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE  # e.g. U+FFFE
    return noncharacter or unicodedata.category(char) in _ESCAPED_CATEGORIES


def display_name(name: str) -> str:
    """A file name for text output: one visible line that cannot be read as anything else.

    Control and format characters become visible escapes (``\\n``, ``\\x1b``, ``\\u202e``); a
    name that would start a line with ``::`` (a GitHub workflow command, after leading blanks)
    is shown as ``./NAME``, the same file; ``##[`` (the runner's older command syntax) has its
    bracket escaped.
    """
    if name.isascii() and name.isprintable():  # the usual case, and the fast one
        text = name
    else:
        text = "".join(_escape(c) if _unsafe(c) else c for c in os_name(name))
    if text.lstrip().startswith("::"):
        text = "./" + text
    return text.replace("##[", "##\\x5b")


_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD (a last defence: names
    reach XML through :func:`display_name`, which already escapes controls)."""
    return _XML_FORBIDDEN.sub("\ufffd", text)


class UnsafeHandbookURL(ValueError):
    """The handbook link base is neither http(s), file, nor a relative reference."""


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
SAFE_SCHEMES = frozenset({"http", "https", "file"})


def safe_link_base(url: str) -> bool:
    """Whether ``url`` may prefix links: no blanks or controls (browsers drop some of them
    before reading the scheme, so ``java\\tscript:`` would pass a naive check), and a scheme
    that cannot run code."""
    if url.isascii():
        if not url.isprintable() or " " in url:
            return False
    elif any(c.isspace() or _unsafe(c) for c in url):
        return False
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES
