"""The validated-pack cache gives the same pack, and any change to the files misses it."""

from __future__ import annotations

from packs import make_pack

from cryoelig.rulepack import packcache
from cryoelig.rulepack.load import _load
from cryoelig.rulepack.validate import load_files


def snapshot(pack):
    return (pack.sha256, [r.id for r in pack.rules], [r.spec for r in pack.rules],
            [r.condition for r in pack.rules], pack.meta, pack.fields, pack.statements, pack.source_texts)


def test_cached_pack_equals_validated_pack(tmp_path, monkeypatch, pack):
    monkeypatch.setenv("CRYOELIG_CACHE_DIR", str(tmp_path / "cache"))
    first = _load(pack.directory)            # validates and writes the cache
    assert list((tmp_path / "cache").glob("pack-*.json"))
    second = _load(pack.directory)           # read from the cache
    assert snapshot(second) == snapshot(first) == snapshot(load_files(pack.directory))


def test_changed_file_misses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYOELIG_CACHE_DIR", str(tmp_path / "cache"))
    folder = make_pack(tmp_path / "p")
    before = packcache.fingerprint(folder)
    _load(folder)
    rules = folder / "kidney.yaml"
    rules.write_text(rules.read_text().replace("< 4", "< 3"))
    assert packcache.fingerprint(folder) != before
    assert "< 3" in str(_load(folder).rule_by_id["kidney.small"].spec.when)


def test_corrupt_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYOELIG_CACHE_DIR", str(tmp_path / "cache"))
    folder = make_pack(tmp_path / "p")
    expected = snapshot(_load(folder))
    for path in (tmp_path / "cache").glob("pack-*.json"):
        path.write_text('{"meta": {"broken": true}}')
    assert snapshot(_load(folder)) == expected


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CRYOELIG_NO_CACHE", "1")
    assert packcache.fingerprint(make_pack(tmp_path / "p")) is None
