"""Diseases as indications (`CONDITION`) or harms (`ADVERSE_EVENT`), decided by context.

`trialwire_conditions` finds disease names four ways: the condition and adverse-event lexicons
(models/rules/conditions_lexicon.tsv, adverse_lexicon.tsv: surface form -> canonical, matched on
a key that ignores case, spaces, hyphens and possessive 's, over 1..max_ngram token windows with a
prefix set for early exit; list punctuation ends a name), abbreviations the document defines for
a lexicon name ("atopic dermatitis (AD)"), the same initials used without a definition when
exactly one named condition has them, and DISEASE entities from the NER model (kept only when
they look like a disease name and the context is clear).

Context (rules/conditions_contexts.tsv, every cue a regex there): a cue right before the name
("for the treatment of", "patients with", "approved for", "moderate-to-severe") or right after
("X patients", "X trial") makes an indication; a sentence about harms ("adverse events", "side
effects", "most common ...", or a weaker cue such as "may cause" in a sentence naming the drug)
or a short line under a harms list head ("Side effects include:") makes an adverse event; names
continuing a list take the list's context; "without X", "history of X" and contraindications are
negated; company "About" paragraphs and legal footers are skipped. Mentions carry data:
canonical, context (indication | adverse | mention), source (conditions | adverse | abbreviation |
ner), negated, reportable (not a symptom/outcome word), assertion (expected | hypothetical).
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, fields

from spacy.attrs import IDX, IS_SPACE, LENGTH, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from .drugs import read_lines, read_tsv, rules_path
from .mention import Mention, add_mention, mentions
from .sentences import doc_text

HARD_PUNCT = frozenset(",;:()[]{}.!?\"\u201c\u201d")
HARD_STOP = "\x00"  # key of a token that ends any name
PARAGRAPH_END = re.compile(r"\n+")
APOS_S = re.compile(r"['\u2019]s\b")
NON_ALNUM = re.compile(r"[^a-z0-9]")
LEADING_MODIFIERS = re.compile(r"^(?:(?:mild|moderate|severe|mild[- ]to[- ]moderate|moderate[- ]to[- ]severe|"
                               r"early|early[- ]stage|uncontrolled)\s+)+", re.I)


SHORT_FORM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]{1,4}(?![\w-])")


HEADING_END = re.compile(r"[\w)?'\u2019\u201d\"]$")
BULLET = re.compile(r"^[-*\u2022\u00b7\u2013\u2014>]")


def is_heading(raw: str, t: str) -> bool:
    """A line on its own that reads as a heading or a Q&A question: short, not a bullet, and not
    ended like a sentence ("Safety", "Side effects", "Q: What side effects should I expect?")."""
    return (raw.endswith("\n") and len(t.split()) <= 12 and not BULLET.match(t)
            and bool(HEADING_END.search(t)))


def initials(name: str) -> str:
    """"atopic dermatitis" -> "AD", "Alzheimer's disease" -> "AD", "type 2 diabetes" -> "T2D"."""
    words = [w for w in re.split(r"[\s\-]+", APOS_S.sub("", name)) if w]
    return "".join(w[0] for w in words).upper() if len(words) >= 2 else ""


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
    adverse_section_head: re.Pattern
    negated_before: re.Pattern
    not_indication_before: re.Pattern
    not_adverse_before: re.Pattern
    not_adverse_after: re.Pattern
    adverse_weak: re.Pattern
    drug_reference: re.Pattern
    list_continuation: re.Pattern
    indication_weak: re.Pattern
    assertion_hypothetical: re.Pattern
    assertion_expected: re.Pattern
    boilerplate: re.Pattern
    ner_shape: re.Pattern
    ner_reject: re.Pattern

    @classmethod
    def load(cls, path) -> "ContextRules":
        kinds: dict[str, list[str]] = defaultdict(list)
        for row in read_tsv(rules_path(path)):
            if len(row) >= 2:
                kinds[row[0].strip()].append(row[1])
        never = r"(?!x)x"  # a kind the file does not define matches nothing
        return cls(**{f.name: re.compile("|".join(f"(?:{v})" for v in kinds.get(f.name, [never])), re.I)
                      for f in fields(cls)})


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
        self.key_memo: dict[int, str] = {}
        self.prefixes = {k[:i] for k in (*lexicon, *adverse) for i in range(1, len(k) + 1)}

    def lexicon_matches(self, doc: Doc) -> list[tuple[int, int, str, str, str | None]]:
        """(start_char, end_char, canonical, lexicon name, adverse-event canonical or None) for the
        longest match at each token."""
        arr = doc.to_array([ORTH, IDX, LENGTH, IS_SPACE])
        strings, memo = doc.vocab.strings, self.key_memo
        if len(memo) > 500_000:
            memo.clear()
        starts, ends, keys = [], [], []
        for orth, idx, length, space in arr.tolist():
            if space:
                continue
            key = memo.get(orth)
            if key is None:
                text = strings[orth]
                # list and bracket punctuation ends a name: "nausea, vomiting" is two names
                key = memo[orth] = HARD_STOP if text in HARD_PUNCT else condition_key(text)
            starts.append(idx)
            ends.append(idx + length)
            keys.append(key)
        out, i, n = [], 0, len(keys)
        prefixes, lex, adv = self.prefixes, self.lexicon, self.adverse
        while i < n:
            if not keys[i] or keys[i] is HARD_STOP or keys[i][:1] not in prefixes:
                i += 1
                continue
            key, best = "", None
            for j in range(i, min(i + self.max_ngram, n)):
                if j > i and starts[j] - ends[j - 1] > 1:
                    break
                if keys[j] is HARD_STOP:
                    break
                if not keys[j]:
                    continue  # punctuation inside a name ("non-small-cell", "Alzheimer's") adds nothing
                key += keys[j]
                if key not in prefixes:
                    break
                if key in lex or key in adv:
                    best = (j, lex.get(key), adv.get(key))
            if best is not None and ends[best[0]] - starts[i] >= 3:
                j, canonical, adverse_canonical = best
                out.append((starts[i], ends[j], canonical or adverse_canonical,
                            "conditions" if canonical else "adverse", adverse_canonical))
                i = j + 1
            else:
                i += 1
        return out

    def adverse_sentences(self, sents, drug_sents: set[int]) -> set[int]:
        """Indexes of sentences about harms: strong-cue sentences, weak-cue sentences that name a
        drug or the treatment, and the short lines under a list head."""
        out, in_list, in_section = set(), False, False
        for k, sent in enumerate(sents):
            t = sent.text.strip()
            if not t:
                continue
            if is_heading(sent.text, t):
                # a heading ("Safety", "Q: What side effects should I expect?") opens or closes a
                # section about harms; its sentences up to the next heading are about harms
                in_section = bool(self.rules.adverse_section_head.search(t))
                if in_section:
                    out.add(k)
                    continue
            elif in_section:
                out.add(k)
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

    def boilerplate_spans(self, text: str) -> list[tuple[int, int]]:
        """Paragraphs (lines) with company "About" or legal-footer wording."""
        out, start = [], 0
        for m in PARAGRAPH_END.finditer(text + "\n"):
            if self.rules.boilerplate.search(text, start, m.start()):
                out.append((start, m.start()))
            start = m.end()
        return out

    def context(self, text: str, s: int, e: int, sent_start: int, sent_end: int, adverse: bool,
                weak_ok: bool = True) -> tuple[str, bool]:
        before = text[max(sent_start, s - 90):s]
        after = text[e:min(sent_end, e + 40)]
        negated = bool(self.rules.negated_before.search(before))
        if (self.rules.indication_before.search(before) or self.rules.indication_after.match(after)
                or (weak_ok and self.rules.indication_weak.search(before))) \
                and not self.rules.not_indication_before.search(before):
            return ("adverse" if adverse and re.search(r"\b(?:with|of|in)\s*$", before) and
                    not re.search(r"\b(?:patients|people|adults|those|participants) with\s*$", before)
                    else "indication"), negated
        if adverse and (self.rules.not_adverse_before.search(before) or self.rules.not_adverse_after.match(after)):
            return "mention", negated
        return ("adverse" if adverse else "mention"), negated

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        starts = [s.start_char for s in sents]
        drug_sents = {max(0, bisect.bisect_right(starts, m.start_char) - 1)
                      for m in mentions(doc) if m.label in ("DRUG", "DRUG_CANDIDATE", "ALIAS")}
        adverse_idx = self.adverse_sentences(sents, drug_sents) if sents else set()
        found: list[tuple[int, int, str, str, str | None]] = list(self.lexicon_matches(doc))
        spans = [(s, e) for s, e, _, _, _ in found]

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
                found.append((abrv.start_char, abrv.end_char, canonical, "abbreviation", None))
                spans.append((abrv.start_char, abrv.end_char))
        # the same short forms used without a definition ("moderate-to-severe AD" in a document
        # that writes "atopic dermatitis" elsewhere): the initials of exactly one named condition
        by_initials: dict[str, set[str]] = defaultdict(set)
        for s, e, canonical, src, _ in found:
            if src == "conditions":
                by_initials[initials(LEADING_MODIFIERS.sub("", text[s:e]))].add(canonical)
        for m in SHORT_FORM.finditer(text):
            names = by_initials.get(m.group(0))
            if names and len(names) == 1 and free(m.start(), m.end()):
                found.append((m.start(), m.end(), next(iter(names)), "abbreviation", None))
                spans.append((m.start(), m.end()))
        # NER disease entities the lexicons do not know
        end_of_text = len(text.rstrip())
        for ent in mentions(doc, "DISEASE"):
            s, e = ent.start_char, ent.end_char
            while e > s and not text[e - 1].isalnum():
                e -= 1  # trailing quotes, stops and glued markers
            if not free(s, e) or e >= end_of_text:
                continue  # overlaps a lexicon name, or cut off by the end of an excerpt
            surface = text[s:e]
            canonical = LEADING_MODIFIERS.sub("", surface.lower()).strip()
            known = self.lexicon.get(condition_key(canonical)) or self.adverse.get(condition_key(canonical))
            if known:
                found.append((s, e, known, "ner", self.adverse.get(condition_key(canonical))))
            elif (len(canonical) >= 5 and not (surface.isupper() and len(surface) <= 6)
                  and self.rules.ner_shape.search(canonical) and not self.rules.ner_reject.search(canonical)):
                found.append((s, e, canonical, "ner", None))
            else:
                continue
            spans.append((s, e))

        prev = None  # (end_char, sentence, context) of the previous name
        boiler = self.boilerplate_spans(text)
        for s, e, canonical, src, adverse_canonical in sorted(found, key=lambda f: f[:2]):
            while e > s + 1 and text[e - 1] in ".,;:":
                e -= 1
            k = max(0, bisect.bisect_right(starts, s) - 1)
            sent = sents[k]
            if any(bs <= s < be for bs, be in boiler):
                continue  # company "About" text and legal footers state no indication of this drug
            ctx, negated = self.context(text, s, e, sent.start_char, sent.end_char, k in adverse_idx,
                                        weak_ok=src != "ner")
            if prev is not None and prev[1] == k and prev[2] != "mention" and ctx != "indication" \
                    and self.rules.list_continuation.match(text[prev[0]:s]):
                ctx = prev[2]
            prev = (e, k, ctx)
            if src == "ner" and ctx == "mention":
                continue
            if ctx == "adverse" and adverse_canonical:
                canonical = adverse_canonical  # "fever" reported as a harm is the event "pyrexia"
            key = condition_key(canonical)
            reportable = key not in (self.not_events if ctx == "adverse" else self.not_indications) \
                and condition_key(text[s:e]) not in (self.not_events if ctx == "adverse" else self.not_indications)
            label = "ADVERSE_EVENT" if ctx == "adverse" else "CONDITION"
            conf = {"indication": 0.9, "adverse": 0.8, "mention": 0.5}[ctx] * (0.7 if src == "ner" else 1.0)
            sent_text = text[sent.start_char:sent.end_char]
            cue = self.rules.assertion_hypothetical if ctx == "adverse" else self.rules.assertion_expected
            assertion = ("hypothetical" if ctx == "adverse" else "expected") if cue.search(sent_text) else None
            add_mention(doc, Mention(label, s, e, text[s:e], canonical, self.name, conf,
                                     {"canonical": canonical, "context": ctx, "source": src, "negated": negated,
                                      "reportable": reportable, "assertion": assertion,
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
