"""Diseases as indications (`CONDITION`) or harms (`ADVERSE_EVENT`), decided by context.

`trialwire_conditions` finds disease names three ways: the condition lexicon and the adverse-event
lexicon (models/rules/conditions_lexicon.tsv, adverse_lexicon.tsv: surface form -> canonical,
matched on a key that ignores case, spaces, hyphens and possessive 's, over 1..max_ngram token
windows with a prefix set for early exit), abbreviations the document defines for a lexicon term
("atopic dermatitis (AD)" makes later "AD" a mention), and DISEASE entities from the NER model
(kept only where the context is clear).

Context (rules/conditions_contexts.tsv): a cue right before the name ("for the treatment of",
"patients with", "approved for", "moderate-to-severe") or right after ("X patients", "X trial")
makes an indication; a sentence about harms ("adverse events", "side effects", "most common ...")
or a short line under a harms list head ("Side effects include:") makes an adverse event;
"without X" / "history of X" are dropped. Mentions carry data: canonical, context
(indication | adverse | mention), source (lexicon | abbreviation | ner), negated.
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .drugs import read_lines, read_tsv, rules_path
from .mention import Mention, add_mention, mentions

APOS_S = re.compile(r"['\u2019]s\b")
NON_ALNUM = re.compile(r"[^a-z0-9]")
LEADING_MODIFIERS = re.compile(r"^(?:(?:mild|moderate|severe|mild[- ]to[- ]moderate|moderate[- ]to[- ]severe|"
                               r"early|early[- ]stage|uncontrolled|chronic|active)\s+)+", re.I)


def condition_key(text: str) -> str:
    return NON_ALNUM.sub("", APOS_S.sub("", text.lower().replace("\u2019", "'")))


def load_lexicon(path) -> dict[str, str]:
    lex = {}
    for row in read_tsv(rules_path(path)):
        if len(row) >= 2 and row[0].strip():
            key = condition_key(row[0])
            if len(key) >= 3:
                lex[key] = row[1].strip()
    return lex


@dataclass(frozen=True)
class ContextRules:
    indication_before: re.Pattern
    indication_after: re.Pattern
    adverse_sentence: re.Pattern
    adverse_list_head: re.Pattern
    negated_before: re.Pattern
    adverse_weak: re.Pattern
    drug_reference: re.Pattern
    list_continuation: re.Pattern

    @classmethod
    def load(cls, path) -> "ContextRules":
        kinds: dict[str, list[str]] = defaultdict(list)
        for row in read_tsv(rules_path(path)):
            if len(row) >= 2:
                kinds[row[0].strip()].append(row[1])
        never = r"(?!x)x"

        def rx(kind: str) -> re.Pattern:
            return re.compile("|".join(f"(?:{v})" for v in kinds.get(kind, [never])), re.I)
        return cls(rx("indication_before"), rx("indication_after"), rx("adverse_sentence"),
                   rx("adverse_list_head"), rx("negated_before"), rx("adverse_weak"), rx("drug_reference"),
                   rx("list_continuation"))


class ConditionMatcher:
    def __init__(self, name: str, lexicon: dict[str, str], adverse: dict[str, str], rules: ContextRules,
                 max_ngram: int, not_indications: frozenset[str] = frozenset(),
                 not_events: frozenset[str] = frozenset()):
        self.name = name
        self.not_indications = not_indications
        self.not_events = not_events
        self.lexicon = lexicon
        self.adverse = adverse
        self.rules = rules
        self.max_ngram = max_ngram
        self.prefixes = {k[:i] for k in (*lexicon, *adverse) for i in range(1, len(k) + 1)}

    def lexicon_matches(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """(start_char, end_char, canonical, lexicon name) for the longest match at each token."""
        toks = [t for t in doc if not t.is_space]
        keys = [condition_key(t.text) for t in toks]
        out, i, n = [], 0, len(toks)
        prefixes, lex, adv = self.prefixes, self.lexicon, self.adverse
        while i < n:
            if not keys[i] or keys[i][:1] not in prefixes:
                i += 1
                continue
            key, best = "", None
            for j in range(i, min(i + self.max_ngram, n)):
                if j > i and toks[j].idx - (toks[j - 1].idx + len(toks[j - 1].text)) > 1:
                    break
                key += keys[j]
                if key not in prefixes:
                    break
                if key in lex:
                    best = (j, lex[key], "conditions")
                elif key in adv:
                    best = (j, adv[key], "adverse")
            if best is not None and (toks[best[0]].idx + len(toks[best[0]].text) - toks[i].idx) >= 3:
                j, canonical, src = best
                out.append((toks[i].idx, toks[j].idx + len(toks[j].text), canonical, src))
                i = j + 1
            else:
                i += 1
        return out

    def adverse_sentences(self, sents, drug_sents: set[int]) -> set[int]:
        """Indexes of sentences about harms: strong-cue sentences, weak-cue sentences that name a
        drug or the treatment, and the short lines under a list head."""
        out, in_list = set(), False
        for k, sent in enumerate(sents):
            t = sent.text.strip()
            if not t:
                continue
            if self.rules.adverse_list_head.search(t):
                out.add(k)
                in_list = True
                continue
            if in_list and len(t.split()) <= 14 and not t.endswith(":"):
                out.add(k)
                continue
            in_list = False
            if self.rules.adverse_sentence.search(t) or (
                    self.rules.adverse_weak.search(t) and (k in drug_sents or self.rules.drug_reference.search(t))):
                out.add(k)
        return out

    def context(self, text: str, s: int, e: int, sent_start: int, sent_end: int, adverse: bool) -> tuple[str, bool]:
        before = text[max(sent_start, s - 90):s]
        after = text[e:min(sent_end, e + 40)]
        negated = bool(self.rules.negated_before.search(before))
        if self.rules.indication_before.search(before) or self.rules.indication_after.match(after):
            return ("adverse" if adverse and re.search(r"\b(?:with|of|in)\s*$", before) and
                    not re.search(r"\b(?:patients|people|adults|those|participants) with\s*$", before)
                    else "indication"), negated
        return ("adverse" if adverse else "mention"), negated

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        starts = [s.start_char for s in sents]
        drug_sents = {max(0, bisect.bisect_right(starts, m.start_char) - 1)
                      for m in mentions(doc) if m.label in ("DRUG", "DRUG_CANDIDATE", "ALIAS")}
        adverse_idx = self.adverse_sentences(sents, drug_sents) if sents else set()
        found: list[tuple[int, int, str, str]] = list(self.lexicon_matches(doc))
        spans = [(s, e) for s, e, _, _ in found]

        def free(s: int, e: int) -> bool:
            return not any(s < te and ts < e for ts, te in spans)

        # abbreviations the document defines for a lexicon term
        for abrv in getattr(doc._, "abbreviations", None) or []:
            long_form = abrv._.long_form.text
            canonical = None
            for form in (long_form, LEADING_MODIFIERS.sub("", long_form)):
                canonical = self.lexicon.get(condition_key(form)) or self.adverse.get(condition_key(form))
                if canonical:
                    break
            if canonical and free(abrv.start_char, abrv.end_char):
                found.append((abrv.start_char, abrv.end_char, canonical, "abbreviation"))
                spans.append((abrv.start_char, abrv.end_char))
        # NER disease entities the lexicons do not know
        for ent in mentions(doc, "DISEASE"):
            if free(ent.start_char, ent.end_char):
                canonical = LEADING_MODIFIERS.sub("", ent.text.lower()).strip()
                if len(canonical) >= 4:
                    found.append((ent.start_char, ent.end_char, canonical, "ner"))
                    spans.append((ent.start_char, ent.end_char))

        prev = None  # (end_char, sentence, context) of the previous name
        for s, e, canonical, src in sorted(found):
            while e > s + 1 and text[e - 1] in ".,;:":
                e -= 1
            k = max(0, bisect.bisect_right(starts, s) - 1)
            sent = sents[k]
            ctx, negated = self.context(text, s, e, sent.start_char, sent.end_char, k in adverse_idx)
            if prev is not None and prev[1] == k and prev[2] != "mention" and ctx != "indication" \
                    and self.rules.list_continuation.match(text[prev[0]:s]):
                ctx = prev[2]
            prev = (e, k, ctx)
            if src == "ner" and ctx == "mention":
                continue
            key = condition_key(canonical)
            reportable = key not in (self.not_events if ctx == "adverse" else self.not_indications) \
                and condition_key(text[s:e]) not in (self.not_events if ctx == "adverse" else self.not_indications)
            label = "ADVERSE_EVENT" if ctx == "adverse" else "CONDITION"
            conf = {"indication": 0.9, "adverse": 0.8, "mention": 0.5}[ctx] * (0.7 if src == "ner" else 1.0)
            add_mention(doc, Mention(label, s, e, text[s:e], canonical, self.name, conf,
                                     {"canonical": canonical, "context": ctx, "source": src, "negated": negated,
                                      "reportable": reportable,
                                      "sent_index": k, "adverse_lexicon": src == "adverse"}))
        return doc


@Language.factory(
    "trialwire_conditions",
    default_config={"lexicon": "rules/conditions_lexicon.tsv", "adverse_lexicon": "rules/adverse_lexicon.tsv",
                    "contexts": "rules/conditions_contexts.tsv",
                    "not_indications": "rules/conditions_not_indications.txt",
                    "not_events": "rules/adverse_not_events.txt", "max_ngram": 6},
    requires=["doc.sents"], assigns=["doc._.mentions"])
def make_conditions(nlp: Language, name: str, lexicon: str, adverse_lexicon: str, contexts: str,
                    not_indications: str, not_events: str, max_ngram: int):
    def keys(path: str) -> frozenset[str]:
        return frozenset(condition_key(x) for x in read_lines(rules_path(path)))
    return ConditionMatcher(name, load_lexicon(lexicon), load_lexicon(adverse_lexicon), ContextRules.load(contexts),
                            max_ngram, keys(not_indications), keys(not_events))


__all__ = ["ConditionMatcher", "condition_key", "load_lexicon", "read_lines"]
