"""Build the identifier guard's name lists (cryoelig/case/names/, see NOTICE.txt there) from Faker's person
providers (MIT licence; census- and registry-derived first and last names): first_names.txt, surnames.txt
(lower-case ASCII, accents stripped, one a line) and ambiguous_first_names.txt (first names that are also words,
from philter-lite's whitelist). Offline, in a separate environment: neither library is a cryoelig dependency.

    pip install faker==40.63.0 philter-lite==0.6.0 && python scripts/make_name_lists.py
"""
import importlib
import pathlib
import re
import unicodedata

import faker

LOCALES = ["en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "en_PH", "es_ES", "es_MX", "fr_FR", "de_DE", "it_IT",
           "pt_BR", "pt_PT", "nl_NL", "pl_PL", "tr_TR", "yo_NG", "sw", "zu_ZA", "ga_IE", "da_DK", "sv_SE",
           "no_NO", "fi_FI", "cs_CZ", "ro_RO", "hu_HU", "vi_VN", "id_ID", "fil_PH"]


def ascii_lower(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def names(provider, attr: str) -> set[str]:
    value = getattr(provider, attr, None)
    if value is None:
        return set()
    items = value.keys() if isinstance(value, dict) else value
    out = set()
    for item in items:
        for part in str(item).replace("-", " ").split():
            word = ascii_lower(part)
            if word.isascii() and word.isalpha() and len(word) >= 2:
                out.add(word)
    return out


first: set[str] = set()
last: set[str] = set()
used = []
for loc in LOCALES:
    try:
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
    except ModuleNotFoundError:
        continue
    used.append(loc)
    for attr in ("first_names", "first_names_female", "first_names_male"):
        first |= names(provider, attr)
    for attr in ("last_names",):
        last |= names(provider, attr)
out = pathlib.Path(__file__).resolve().parent.parent / "cryoelig" / "case" / "names"
out.mkdir(exist_ok=True)
header = f"# from Faker {faker.VERSION} (MIT licence) person providers: {', '.join(used)}\n"
(out / "first_names.txt").write_text(header + "\n".join(sorted(first)) + "\n")
(out / "surnames.txt").write_text(header + "\n".join(sorted(last)) + "\n")
print(len(first), "first names;", len(last), "surnames;", len(used), "locales")

# First names that are also common words or clinical terms ('Cord Compression', 'Candida Albicans', 'Side
# Effects', 'Per Protocol'): the Faker first names found in philter-lite's 'nonames' whitelist (set.toml, BSD-3
# licence, UCSF), minus given names that are mostly names. The prototype counts them as a first name only
# before a listed surname. Needs philter-lite installed when regenerated.
try:
    import tomllib

    import philter_lite

    set_toml = pathlib.Path(philter_lite.__file__).parent / "filters" / "set.toml"
    nonames = set(tomllib.loads(set_toml.read_text())["nonames"])
    KEEP = set(re.findall(r"[a-z]+", """ahmed ali allegra amy ana blair brady bilal gillian glenn jacob joe jude lee
    mary mohamed nick owen sandra tim vera margarita perla eve iris georgia gunnel iulia jacobine leni emmi maxi mel
    mina moya nae selcen recep sedat zoran tuva veli thor"""))
    ambiguous = sorted(w for w in first if w in nonames and w not in KEEP)
    (out / "ambiguous_first_names.txt").write_text(
        f"# Faker first names that are also words in philter-lite {philter_lite.__version__} set.toml 'nonames' "
        "(BSD-3-Clause, UCSF), minus a kept list of given names\n" + "\n".join(ambiguous) + "\n")
    print(len(ambiguous), "ambiguous first names")
except ModuleNotFoundError:
    print("philter-lite not installed: ambiguous_first_names.txt not regenerated")
