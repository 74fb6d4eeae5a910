"""Reading a page as a person would."""

from __future__ import annotations

import html
import re


def text_of(response) -> str:
    """The page text without tags and with single spaces, to read as a person would."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
