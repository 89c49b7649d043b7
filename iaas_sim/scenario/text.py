"""Text from scenario files shown literally: names and descriptions are data, so a control
character in them (a terminal escape, a bidirectional override) is written as a code."""

from __future__ import annotations

import unicodedata


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` with control and format characters (but those in ``keep``) written as
    ``\\x1b``, ``\\u202e``…, everything else as it is."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char in keep or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
