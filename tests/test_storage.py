"""Upload storage: opaque keys of our own only, the local folder and the shared volume, and evidence files
going through the configured one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from roadmap.config import ConfigurationError, from_environment
from roadmap.extensions import db
from roadmap.models import EvidenceFile
from roadmap.services.platform import storage
from tests.conftest import logged_in
from tests.test_evidence import PDF, stored_files, upload
from tests.test_survey import small_assessment

BAD_KEYS = [
    "../" + "a" * 32,
    "a" * 30 + "/..",
    "..",
    "/etc/passwd",
    "/" + "a" * 32,
    "a" * 31 + "\x00",
    "a" * 16 + "\x00" + "a" * 15,
    "A" * 32,  # ours are lowercase
    "a" * 31,  # too short
    "a" * 65,  # too long
    "g" * 32,  # not hex
    "٣" * 32,  # digits of another script: str.isalnum() would have let them through
    "a" * 32 + "\n",
    "",
    None,
    12345678901234567890123456789012,
]


@pytest.mark.parametrize("kind", [storage.LocalStorage, storage.SharedVolumeStorage])
@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_keys_that_are_not_ours_are_refused_by_every_operation(tmp_path, kind, key):
    store = kind(tmp_path / "root")
    (tmp_path / "root").mkdir()
    for operation in (
        lambda: store.put(key, b"x"),
        lambda: store.open(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
    ):
        with pytest.raises(storage.BadKeyError):
            operation()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("kind", [storage.LocalStorage, storage.SharedVolumeStorage])
def test_put_open_exists_delete(tmp_path, kind):
    (tmp_path / "root").mkdir()
    store = kind(tmp_path / "root")
    key = storage.new_key()
    assert not store.exists(key)
    store.put(key, b"%PDF-1.7 content")
    assert store.exists(key)
    with store.open(key) as handle:
        assert handle.read() == b"%PDF-1.7 content"
    # A key is never reused: a second put under it is refused and the first content stays.
    with pytest.raises(FileExistsError):
        store.put(key, b"other")
    with store.open(key) as handle:
        assert handle.read() == b"%PDF-1.7 content"
    # Only the finished file is there, under its key (no temporary file left behind).
    assert [p.name for p in (tmp_path / "root").rglob("*") if p.is_file()] == [key]
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting twice is harmless


def test_the_shared_volume_must_be_mounted(tmp_path):
    store = storage.SharedVolumeStorage(tmp_path / "not-mounted")
    with pytest.raises(OSError, match="not mounted"):
        store.put(storage.new_key(), b"x")
    assert not (tmp_path / "not-mounted").exists()  # not created on the host's own disk


def test_the_storage_kind_comes_from_the_configuration(tmp_path):
    config = from_environment(tmp_path, {"SECRET_KEY": "s" * 40})
    assert config["UPLOAD_STORAGE"] == "local"
    shared = {"SECRET_KEY": "s" * 40, "UPLOAD_STORAGE": "shared", "EVIDENCE_UPLOAD_DIR": str(tmp_path)}
    assert from_environment(tmp_path, shared)["UPLOAD_STORAGE"] == "shared"
    with pytest.raises(ConfigurationError, match="EVIDENCE_UPLOAD_DIR"):
        from_environment(tmp_path, {"SECRET_KEY": "s" * 40, "UPLOAD_STORAGE": "shared"})
    with pytest.raises(ConfigurationError, match="UPLOAD_STORAGE"):
        from_environment(tmp_path, {"SECRET_KEY": "s" * 40, "UPLOAD_STORAGE": "s3"})


def test_evidence_goes_through_the_shared_volume(app, world, tmp_path: Path):
    volume = tmp_path / "volume"
    volume.mkdir()
    app.config.update(UPLOAD_STORAGE="shared", EVIDENCE_UPLOAD_DIR=str(volume))
    with app.test_request_context():
        assert isinstance(storage.storage(), storage.SharedVolumeStorage)
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert upload(browser, assessment.id, "NW-01", PDF, "ke-hoach.pdf").status_code == 200
    row = db.session.scalar(select(EvidenceFile))
    [path] = stored_files(volume)
    assert path.name == row.storage_key
    assert path.read_bytes() == PDF
    download = browser.get(f"/assessments/{assessment.id}/files/{row.id}")
    assert download.status_code == 200
    assert download.data == PDF


def test_a_plugged_storage_is_used_for_evidence(app, world, tmp_path: Path):
    """An object store is plugged in as app.extensions["upload_storage"]; here a folder stands in for it."""
    plugged = storage.LocalStorage(tmp_path / "bucket")
    app.extensions["upload_storage"] = plugged
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert upload(browser, assessment.id, "NW-01", PDF, "a.pdf").status_code == 200
    row = db.session.scalar(select(EvidenceFile))
    assert plugged.exists(row.storage_key)
    assert browser.get(f"/assessments/{assessment.id}/files/{row.id}").data == PDF
