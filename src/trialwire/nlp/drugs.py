"""Drug names: knowledge-base names, INN-stem and code-shaped candidates, document-asserted aliases.

`trialwire_drugs` leaves three kinds of mentions:

- `DRUG`: a name the KB resolves (INN, brand, code in any spacing, US suffixed name); `norm` is
  the canonical name, `data` has kb_id, alias_type and in_kb=True. Lookup is by `name_key` of
  1..max_ngram token windows (one dict lookup per window), longest match first.
- `DRUG_CANDIDATE`: a drug-shaped name the KB does not know (INN stem such as -mab, -tinib,
  -glutide; development-code shape such as "ABC 1234"; a CHEMICAL entity from the NER model with
  one of those shapes); low confidence, in_kb=False.
- `ALIAS`: another name the document gives a drug it mentions ("X (Y)", "X, also known as Y",
  "X, formerly Y", "Y (X)", a title asking "What is Y?" over a one-drug body), or a near miss of
  an INN or brand printed in the same document (a misspelling: rocantilimab, MiraTide); `norm` is
  the canonical drug, `data` has alias_type, in_kb, asserted_by.

All vocabularies are files under models/rules/ named in the pipeline config.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, IS_STOP, LENGTH, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from ..kb import US_SUFFIX, DrugKB, load_kb, name_key, without_salt
from ..paths import MODELS_DIR
from .mention import Mention, add_mention, mentions
from .sentences import doc_text

MARKS = re.compile(r"[™®©]")
NAME_SHAPE = r"(?:[A-Z]{2,5}[- ]?\d{3,7}[A-Z]?|[A-Z][A-Za-z]{3,24}|[a-z]{5,30}(?:-[a-z]{4})?)"
US_SUFFIXED = re.compile(r"\b([a-z]{5,30})-([a-z]{4})\b", re.I)
TITLE_NAME = re.compile(r"^\W*(?:what is|what's|what are|how does|how do|how is|is|about|understanding|all about|"
                        r"guide to|facts about|everything about|questions about)\s+(?P<name>[A-Z][a-z]{3,}[A-Za-z]*)\b",
                        re.I)
CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]{5,24}\b")
CUE_TAIL = re.compile(r"(?:as|formerly|called|name:?)$", re.I)
COMBINED_WITH = re.compile(r"\b([A-Za-z][a-z]{3,})[-/+]$")  # the drug joined to the next one
YEAR = re.compile(r"^(?:19|20)\d\d$")
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w.-]+\.(?:com|org|gov|net|edu)/\S*")


def rules_path(value: str | Path) -> Path:
    p = Path(value)
    return p if p.is_absolute() else MODELS_DIR / p


def read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [ln.rstrip("\n") for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def read_tsv(path: Path) -> list[list[str]]:
    return [ln.split("\t") for ln in read_lines(path)]


def token_key(text: str) -> str:
    return name_key(MARKS.sub("", text))


@dataclass(frozen=True)
class DrugRules:
    stop_keys: frozenset[str]
    common_keys: frozenset[str]
    ordinary: frozenset[str]
    salts: frozenset[str]
    not_alias_keys: frozenset[str]
    stem_re: re.Pattern | None
    stems: tuple[tuple[str, int, tuple[str, ...]], ...]
    code_res: tuple[re.Pattern, ...]
    code_exclude: frozenset[str]
    zip_prefixes: frozenset[str]
    after_cues: tuple[re.Pattern, ...]
    before_cues: tuple[re.Pattern, ...]

    @classmethod
    def load(cls, stoplist, inn_stems, code_patterns, not_aliases, alias_cues, common_words=None,
             ordinary_words=None, salt_words=None) -> "DrugRules":
        stems = []
        for row in read_tsv(rules_path(inn_stems)):
            stem, min_len = row[0].strip().lower(), int(row[1]) if len(row) > 1 and row[1].strip() else 6
            nots = tuple(x.strip().lower() for x in (row[2] if len(row) > 2 else "").split(",") if x.strip())
            stems.append((stem, min_len, nots))
        stem_re = None
        if stems:
            alt = "|".join(sorted({re.escape(s) for s, _, _ in stems}, key=len, reverse=True))
            stem_re = re.compile(rf"\b[A-Za-z][a-z]*(?:{alt})\b|\b[A-Z]+(?:{alt.upper()})\b")
        code_res, exclude, zips = [], set(), set()
        for row in read_tsv(rules_path(code_patterns)):
            if row[0] == "pattern":
                code_res.append(re.compile(row[1]))
            elif row[0] == "exclude_prefix":
                exclude.update(x.strip().upper() for x in row[1].split(",") if x.strip())
            elif row[0] == "zip_prefix":
                zips.update(x.strip().upper() for x in row[1].split(",") if x.strip())
        after, before = [], []
        for row in read_tsv(rules_path(alias_cues)):
            rx = re.compile(row[1].replace("NAME", NAME_SHAPE))
            (after if row[0] == "after" else before).append(rx)
        return cls(frozenset(token_key(x) for x in read_lines(rules_path(stoplist))),
                   frozenset(token_key(x) for x in read_lines(rules_path(common_words))) if common_words
                   else frozenset(),
                   frozenset(x.strip().lower() for x in read_lines(rules_path(ordinary_words))) if ordinary_words
                   else frozenset(),
                   frozenset(x.strip().lower() for x in read_lines(rules_path(salt_words))) if salt_words
                   else frozenset(),
                   frozenset(token_key(x) for x in read_lines(rules_path(not_aliases))),
                   stem_re, tuple(stems), tuple(code_res), frozenset(exclude), frozenset(zips), tuple(after),
                   tuple(before))

    def inn_of(self, canonical: str) -> str:
        """"codeine sulfate" -> "codeine": the INN without salt, ester or hydrate words."""
        return without_salt(canonical, self.salts)

    def stem_of(self, word: str) -> str | None:
        low = word.lower()
        for stem, min_len, nots in self.stems:
            if low.endswith(stem) and len(low) >= min_len and not any(low.endswith(n) for n in nots):
                return stem
        return None

    def is_code(self, text: str) -> bool:
        m = re.match(r"([A-Za-z]+)", text)
        if m is None or m.group(1).upper() in self.code_exclude:
            return False
        if len(m.group(1)) > 5:
            return False  # "KEYNOTE-189", "SURMOUNT-1": a word with a number is a trial name; codes have short prefixes
        digits = re.sub(r"\D", "", text)
        if m.group(1) in self.zip_prefixes and re.fullmatch(r"[A-Z]{2} \d{5}", text):
            return False  # "Thousand Oaks, CA 91320"
        return not YEAR.match(digits) and len(digits) >= 3


class DrugMatcher:
    def __init__(self, name: str, kb: DrugKB, rules: DrugRules, max_ngram: int, fuzzy_alias_score: float,
                 brand_max_edits: int = 2):
        self.name = name
        self.brand_edits = brand_max_edits
        self.kb = kb
        self.rules = rules
        self.max_ngram = max_ngram
        self.fuzzy = fuzzy_alias_score
        self.key_memo: dict[int, str] = {}
        # bare INNs the KB only holds with a salt word ("enlicitide" -> "enlicitide chloride")
        self.base_keys: dict[str, object] = {}
        if rules.salts:
            for entry in kb.entries.values():
                inn = rules.inn_of(entry.canonical_name)
                if inn != entry.canonical_name.lower() and kb.resolve_key(name_key(inn)) is None:
                    self.base_keys.setdefault(name_key(inn), entry)

    # -- KB names ---------------------------------------------------------------------------
    def token_rows(self, doc: Doc) -> list[tuple[int, int, str, bool]]:
        """(start, end, name key, is stop word) of each token that can be part of a name; one
        array read and one memo lookup per token."""
        arr = doc.to_array([ORTH, IDX, LENGTH, IS_SPACE, IS_PUNCT, IS_STOP])
        strings, memo = doc.vocab.strings, self.key_memo
        if len(memo) > 500_000:
            memo.clear()
        rows = []
        for orth, idx, length, space, punct, stop in arr.tolist():
            if space or (punct and length == 1):
                continue
            key = memo.get(orth)
            if key is None:
                key = memo[orth] = token_key(strings[orth])
            rows.append((idx, idx + length, key, bool(stop)))
        return rows

    def kb_matches(self, doc: Doc) -> list[tuple[int, int, object]]:
        """(start_char, end_char, KBEntry) for the longest KB name starting at each token."""
        rows = self.token_rows(doc)
        kb_resolve, base = self.kb.resolve_key, self.base_keys

        def resolve(key: str):
            return kb_resolve(key) or base.get(key)
        stop = self.rules.stop_keys | self.rules.common_keys
        found, i, n = [], 0, len(rows)
        while i < n:
            if rows[i][3]:
                i += 1  # no name starts with a stop word ("same" is not SAMe)
                continue
            best = None
            key = ""
            for j in range(i, min(i + self.max_ngram, n)):
                if j > i and (rows[j][0] - rows[j - 1][1] > 1 or rows[j][3]):
                    break  # a window never spans a gap wider than one space or hyphen, nor a stop word
                key += rows[j][2]
                if len(key) < 3:
                    continue
                entry = resolve(key)
                if entry is not None:
                    best = (j, entry, key)
            if best is not None and best[2] not in stop and name_key(best[1].canonical_name) not in stop \
                    and not best[2].isdigit():  # "1.600" (a count with a thousands dot) is no drug code
                j, entry, _ = best
                found.append((rows[i][0], rows[j][1], entry))
                i = j + 1
            else:
                i += 1
        return found

    def spelled_out_otherwise(self, doc: Doc) -> set[str]:
        """Short forms the document spells out as a phrase that names no drug or chemical ("posterior
        reversible encephalopathy syndrome (PRES)"): a drug name they share with the KB is not that drug
        there. "2-mercaptoethane sulfonate (Mesna)" stays mesna."""
        out = set()
        chemicals = [(m.start_char, m.end_char) for m in mentions(doc, "CHEMICAL")]
        for a in getattr(doc._, "abbreviations", None) or []:
            lf = a._.long_form
            words = [lf.text, *re.findall(r"[A-Za-z][\w-]{3,}", lf.text)]
            if re.search(r"\b[a-z]{4,}\b", lf.text) and not any(self.kb.resolve(w) for w in words) \
                    and not any(s < lf.end_char and lf.start_char < e for s, e in chemicals):
                out.add(a.text)  # neither the KB nor the NER model reads the phrase as a chemical
        return out

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        taken: list[tuple[int, int]] = []
        drugs: list[Mention] = []
        spelled_out = self.spelled_out_otherwise(doc)
        for s, e, entry in self.kb_matches(doc):
            while e > s and text[e - 1] in "([{™®© ":
                e -= 1  # a token "Neulasta(®" (from "Neulasta(®), Amgen"): the name ends before the bracket
            surface = MARKS.sub("", text[s:e]).strip()
            atype = entry.alias_type(surface) or "synonym"
            if surface.islower() and (len(surface) <= 4 or atype == "brand"):
                continue  # brands are printed capitalised: "dermatite atopica" is not the brand Atopica
            if surface in spelled_out:
                continue  # "posterior reversible encephalopathy syndrome (PRES)": not the brand Pres
            if atype == "official" and name_key(surface) != name_key(entry.canonical_name):
                atype = "suffixed"  # the US suffixed form of the INN (lebrikizumab-lbkz)
            inn = self.rules.inn_of(entry.canonical_name)
            m = Mention("DRUG", s, e, surface, inn, self.name, 0.95,
                        {"kb_id": entry.concept_id, "alias_type": atype, "in_kb": True, "canonical": inn,
                         "kb_name": entry.canonical_name})
            drugs.append(m)
            taken.append((s, e))

        def free(s: int, e: int) -> bool:
            return not any(s < te and ts < e for ts, te in taken)

        # US suffixed names whose base the KB knows (lebrikizumab-lbkz when the KB lacks it)
        for m in US_SUFFIXED.finditer(text):
            if not free(m.start(), m.end()) or not US_SUFFIX.match(m.group(0).lower()):
                continue
            entry = self.kb.resolve(m.group(1))
            if entry is not None and token_key(m.group(1)) not in self.rules.stop_keys:
                inn = self.rules.inn_of(entry.canonical_name)
                drugs.append(Mention("DRUG", m.start(), m.end(), m.group(0), inn,
                                     self.name, 0.9, {"kb_id": entry.concept_id, "alias_type": "suffixed",
                                                      "in_kb": True, "canonical": inn}))
                taken.append((m.start(), m.end()))
        for m in drugs:
            add_mention(doc, m)

        # drug-shaped names the KB does not know (never inside a URL)
        taken.extend((u.start(), u.end()) for u in URL.finditer(text))
        named = list(taken)  # KB names and URLs: what an asserted alias may not overlap
        candidates: list[Mention] = []
        if self.rules.stem_re is not None:
            for m in self.rules.stem_re.finditer(text):
                w = m.group(0)
                if free(m.start(), m.end()) and self.rules.stem_of(w) and token_key(w) not in self.rules.stop_keys:
                    candidates.append(Mention("DRUG_CANDIDATE", m.start(), m.end(), w, w.lower(), self.name, 0.4,
                                              {"in_kb": False, "why": "inn_stem", "stem": self.rules.stem_of(w)}))
                    taken.append((m.start(), m.end()))
        for rx in self.rules.code_res:
            for m in rx.finditer(text):
                w = m.group(0)
                if free(m.start(), m.end()) and self.rules.is_code(w):
                    candidates.append(Mention("DRUG_CANDIDATE", m.start(), m.end(), w, w, self.name, 0.3,
                                              {"in_kb": False, "why": "code"}))
                    taken.append((m.start(), m.end()))
        for ent in mentions(doc, "CHEMICAL"):
            w = ent.text
            if not free(ent.start_char, ent.end_char) or " " in w.strip():
                continue
            if self.rules.stem_of(w) or self.rules.is_code(w):
                candidates.append(Mention("DRUG_CANDIDATE", ent.start_char, ent.end_char, w, w.lower(), self.name,
                                          0.5, {"in_kb": False, "why": "ner"}))
                taken.append((ent.start_char, ent.end_char))

        late = []
        for c in candidates:
            entry = self.kb.resolve(c.text) or self.base_keys.get(token_key(c.text))
            if entry is not None and token_key(c.text) not in self.rules.stop_keys | self.rules.common_keys:
                inn = self.rules.inn_of(entry.canonical_name)
                late.append(Mention("DRUG", c.start_char, c.end_char, c.text, inn,
                                    self.name, 0.9, {"kb_id": entry.concept_id, "in_kb": True,
                                                     "alias_type": entry.alias_type(c.text) or "synonym",
                                                     "canonical": inn}))
        # "efgartigimod" in a document that names "efgartigimod alfa": the INN without its second word
        heads = {token_key(d.norm.split()[0]): d for d in drugs
                 if d.norm and len(d.norm.split()) == 2 and len(d.norm.split()[0]) >= 6}
        if heads:
            done = {(m.start_char, m.end_char) for m in late}
            for c in candidates:
                d = heads.get(token_key(c.text))
                if d is not None and (c.start_char, c.end_char) not in done:
                    late.append(Mention("DRUG", c.start_char, c.end_char, c.text, d.norm, self.name, 0.8,
                                        {**(d.data or {}), "alias_type": "short_inn", "canonical": d.norm}))
        for m in late:
            add_mention(doc, m)
        drugs.extend(late)
        late_spans = {(m.start_char, m.end_char) for m in late}
        candidates = [c for c in candidates if (c.start_char, c.end_char) not in late_spans]
        named.extend(late_spans)

        def free_of_names(s: int, e: int) -> bool:
            return not any(s < te and ts < e for ts, te in named)
        # "deucravacitinib (BMS-986165)": a candidate the text gives as another name is an alias
        aliases = self.asserted_aliases(doc, drugs, free_of_names)
        alias_spans = {(a.start_char, a.end_char) for a in aliases}
        canon = {m.norm for m in drugs}
        for c in candidates:
            if (c.start_char, c.end_char) in alias_spans:
                continue
            target = self.near_miss(c.text, canon)
            if target is not None:
                add_mention(doc, Mention("ALIAS", c.start_char, c.end_char, c.text, target, self.name, 0.6,
                                         {"alias_type": "misspelling", "in_kb": False, "asserted_by": "fuzzy",
                                          "canonical": target}))
            else:
                add_mention(doc, c)
        aliases.extend(self.title_alias(text, drugs, {a.text.lower() for a in aliases}, free))
        taken.extend((a.start_char, a.end_char) for a in aliases)
        aliases.extend(self.misspelt_brands(text, drugs + aliases, free))
        for a in aliases:
            add_mention(doc, a)
            taken.append((a.start_char, a.end_char))
        # every other place the document prints a name it gave the drug is a DRUG mention too
        for a in {a.text: a for a in aliases}.values():
            for m in re.finditer(rf"(?<![\w-]){re.escape(a.text)}(?![\w-])", text):
                if free(m.start(), m.end()):
                    taken.append((m.start(), m.end()))
                    add_mention(doc, Mention("DRUG", m.start(), m.end(), a.text, a.norm, self.name,
                                             min(a.confidence, 0.6), {**a.data, "via_alias": True}))
        return doc

    def misspelt_brands(self, text: str, named: list[Mention], free) -> list[Mention]:
        """A capitalised word that is a near miss of a brand or text-asserted name printed in the
        same document ("MiraTide" beside "MariTide") is that drug's alias (a misspelling)."""
        brands = {m.text: m.norm for m in named
                  if m.text[:1].isupper() and m.data.get("alias_type") in ("brand", "unknown") and len(m.text) >= 6}
        if not brands:
            return []
        out, seen = [], set(brands)
        for m in CAPITALISED.finditer(text):
            w = m.group(0)
            if w in seen or not free(m.start(), m.end()) or w.lower() in self.rules.ordinary \
                    or token_key(w) in self.rules.not_alias_keys | self.rules.stop_keys | self.rules.common_keys:
                continue
            for brand, drug in brands.items():
                # same first letter, at most one edit per 4 characters (two swapped letters = 2 edits)
                if w[0] == brand[0] and abs(len(w) - len(brand)) <= 2 \
                        and Levenshtein.distance(w.lower(), brand.lower()) <= min(len(brand) // 4, self.brand_edits) \
                        and self.kb.resolve(w) is None:
                    seen.add(w)
                    out.append(Mention("ALIAS", m.start(), m.end(), w, drug, self.name, 0.5,
                                       {"alias_type": "misspelling", "in_kb": False, "asserted_by": "fuzzy",
                                        "canonical": drug, "near": brand}))
                    break
        return out

    def title_alias(self, text: str, drugs: list[Mention], known: set[str], free) -> list[Mention]:
        """A title that asks about a name the body never uses for anything else ("What is Rocatan
        and how is it treated?") while the body is about one drug: that name is the drug's alias."""
        end = text.find("\n")
        end = len(text) if end < 0 else end
        canon = {d.norm for d in drugs}
        if not drugs or len(canon) != 1 or any(d.start_char < end for d in drugs):
            return []
        m = TITLE_NAME.search(text[:end])
        if m is None:
            return []
        name = m.group("name")
        if name.lower() in known or name.lower() in self.rules.ordinary or self.kb.resolve(name) is not None \
                or token_key(name) in self.rules.not_alias_keys | self.rules.stop_keys:
            return []
        drug = drugs[0]
        return [Mention("ALIAS", m.start("name"), m.end("name"), name, drug.norm, self.name, 0.5,
                        {"alias_type": "unknown", "in_kb": False, "asserted_by": "title", "canonical": drug.norm})]

    def near_miss(self, word: str, canon: set[str]) -> str | None:
        if not self.rules.stem_of(word):
            return None
        low = word.lower()
        best = max(((fuzz.ratio(low, c), c) for c in canon if " " not in c), default=(0, None))
        return best[1] if best[0] >= self.fuzzy and best[1] and self.rules.stem_of(best[1]) else None

    # -- aliases asserted by the text --------------------------------------------------------
    def asserted_aliases(self, doc: Doc, drugs: list[Mention], free) -> list[Mention]:
        text = doc_text(doc)
        out = []
        for d in drugs:
            after = text[d.end_char:d.end_char + 80]
            # "letrozole-palbociclib (LETPAL)": the name in brackets is the combination's, not this drug's
            partner = COMBINED_WITH.search(text, max(0, d.start_char - 40), d.start_char)
            combination = partner is not None and self.kb.resolve(partner.group(1)) is not None
            for rx in self.rules.after_cues if not combination else ():
                m = rx.match(after)
                if m:
                    s = d.end_char + m.start("name")
                    out.extend(self.alias_for(d, m.group("name"), s, free))
                    break
            before = text[max(0, d.start_char - 80):d.start_char]
            tail = before.rstrip()
            if not (tail.endswith("(") or CUE_TAIL.search(tail[-12:])):
                continue  # cheap test before the regexes
            for i, rx in enumerate(self.rules.before_cues):
                m = rx.search(before)
                if not m:
                    continue
                if before.rstrip().endswith("(") and not re.match(r"\s*(?:™|®)?\s*\)", text[d.end_char:]):
                    continue
                s = d.start_char - len(before) + m.start("name")
                out.extend(self.alias_for(d, m.group("name"), s, free))
                break
        return out

    def alias_for(self, drug: Mention, name: str, start: int, free) -> list[Mention]:
        name = name.strip()
        key = token_key(name)
        if not key or key == token_key(drug.norm or "") or key in self.rules.not_alias_keys \
                or key in self.rules.stop_keys:
            return []
        entry = self.kb.resolve(name)
        if entry is not None:
            return []  # a KB name: already a DRUG mention of its own concept
        if name.islower() and not (self.rules.stem_of(name) or US_SUFFIXED.fullmatch(name)):
            return []
        if name.isupper() and not self.rules.is_code(name) and not (len(name) >= 5 and name.isalpha()):
            return []  # an abbreviation (AD, OX), not a name; press releases print brands in capitals (RINVOQ)
        if name.lower() in self.rules.ordinary:
            return []  # an ordinary word ("Phase", "Eczema"), not a name
        if not free(start, start + len(name)):
            return []
        return [Mention("ALIAS", start, start + len(name), name, drug.norm, self.name, 0.7,
                        {"alias_type": "code" if self.rules.is_code(name) else "unknown", "in_kb": False,
                         "asserted_by": "text", "canonical": drug.norm})]


@Language.factory(
    "trialwire_drugs",
    default_config={"stoplist": "rules/drugs_stoplist.txt", "inn_stems": "rules/drugs_inn_stems.tsv",
                    "code_patterns": "rules/drugs_code_patterns.tsv",
                    "not_aliases": "rules/drugs_not_aliases.txt", "alias_cues": "rules/drugs_alias_cues.tsv",
                    "common_words": "rules/drugs_common_words.txt",
                    "ordinary_words": "rules/drugs_ordinary_words.txt", "salt_words": "rules/drugs_salt_words.txt",
                    "max_ngram": 4, "fuzzy_alias_score": 80.0, "brand_max_edits": 2},
    assigns=["doc._.mentions"])
def make_drugs(nlp: Language, name: str, stoplist: str, inn_stems: str, code_patterns: str, not_aliases: str,
               alias_cues: str, common_words: str, ordinary_words: str, salt_words: str, max_ngram: int,
               fuzzy_alias_score: float, brand_max_edits: int):
    rules = DrugRules.load(stoplist, inn_stems, code_patterns, not_aliases, alias_cues, common_words, ordinary_words,
                           salt_words)
    return DrugMatcher(name, load_kb(), rules, max_ngram, fuzzy_alias_score, brand_max_edits)
