"""Document kind from the text's own shape: news, qa, press_release or other."""
from __future__ import annotations

import re

from .literals import could_match

PRESS = re.compile(r"forward-looking statements|/PRNewswire/|Business Wire|GLOBE NEWSWIRE|Media (?:Contact|Relations)"
                   r"|Investor (?:Contact|Relations)|^About [A-Z][\w&.\- ]+$|\(NYSE:|\(NASDAQ:|press release", re.I | re.M)
QA = re.compile(r"follow-up question|^\s*(?:Q|Question)\s*[:.]|^\s*(?:A|Answer)\s*[:.]|Medical A\.?I\.?|Ask (?:a|any) (?:follow|question)"
                r"|frequently asked questions|^(?:What|How|Is|Can|Does|Why|When|Who)\b[^\n]{5,150}\?\s*$", re.I | re.M)
# Every PRESS match contains one of these (lower-cased; "\nabout " for ^About, tested with a "\n" prefix).
PRESS_ANCHORS = ("forward-looking statements", "/prnewswire/", "business wire", "globe newswire", "media contact",
                 "media relations", "investor contact", "investor relations", "\nabout ", "(nyse:", "(nasdaq:",
                 "press release")
NEWS = re.compile(r"^REFERENCES?\s*$|^By [A-Z][a-z]+ [A-Z]|\bnews release\b|\baccording to\b|\bsaid\b|\breported\b", re.I | re.M)


def classify_kind(text: str, title: str | None = None) -> str:
    head = f"{title or ''}\n{text[:3000]}"
    press = len(PRESS.findall(text)) if could_match(text, PRESS_ANCHORS, prefix="\n") else 0
    qa = len(QA.findall(head))
    if title and title.strip().endswith("?"):
        qa += 2
    if press >= 2 and press > qa:
        return "press_release"
    if qa >= 2:
        return "qa"
    if press >= 1 and qa == 0:
        return "press_release"
    if len(text.split()) > 150 or NEWS.search(text):
        return "news"
    return "other"
