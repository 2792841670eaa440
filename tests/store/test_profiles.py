from __future__ import annotations

import json
import stat

import pytest

from triage_gui.store.credentials import SERVICE_NAME, CredentialError, CredentialStore
from triage_gui.store.profiles import (
    ProfileError,
    ProfileStore,
    check_base_url,
    make_profile,
)

TOKEN = "demo-token"


# -- URL policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("HTTPS://api.example.com/tenant-a/", "https://api.example.com/tenant-a"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.4.5.6", "http://127.4.5.6"),
        ("http://localhost:5000/", "http://localhost:5000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_https_and_loopback_http_are_accepted(url, normalised):
    assert check_base_url(url) == (normalised, False)


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("http://api.example.com", "only allowed for this computer"),
        ("http://10.0.0.5:8080", "only allowed for this computer"),
        ("http://localhost.evil.com", "only allowed for this computer"),
        ("", "Enter the platform's address"),
        ("api.example.com", "is not a web address"),
        ("ftp://api.example.com", "is not a web address"),
        ("https://", "is not a web address"),
        ("https://user:pw@api.example.com", "Do not put a user name or password"),
        ("https://api.example.com/v1", "Leave out the trailing /v1"),
        ("https://api.example.com/?x=1", "cannot contain '?' or '#'"),
        ("https://api.example.com:99999", "invalid port"),
    ],
)
def test_bad_urls_are_refused_in_plain_words(url, phrase):
    with pytest.raises(ProfileError) as caught:
        check_base_url(url)
    assert phrase in str(caught.value)


def test_insecure_http_only_with_the_profiles_explicit_permission():
    with pytest.raises(ProfileError) as caught:
        make_profile(name="lab", base_url="http://lab.internal:8080")
    assert "base_url" in caught.value.field_errors
    lab = make_profile(name="lab", base_url="http://lab.internal:8080", allow_insecure_http=True)
    assert lab.insecure_http and lab.is_insecure
    assert lab.connection_options()["insecure"] is True
    local = make_profile(name="local", base_url="http://127.0.0.1:9", allow_insecure_http=True)
    assert not local.insecure_http
    assert make_profile(name="x", base_url="https://h", verify_tls=False).is_insecure


def test_profile_fields_are_validated_with_one_message_each():
    with pytest.raises(ProfileError) as caught:
        make_profile(name=" ", base_url="https://h", default_workspace="bad ws!", timeout_s=0)
    assert set(caught.value.field_errors) == {"name", "default_workspace", "timeout_s"}
    assert caught.value.field_errors["default_workspace"].startswith("Default workspace:")


def test_defaults_are_the_secure_ones():
    p = make_profile(name="prod", base_url="https://api.example.com")
    assert (p.verify_tls, p.use_env_proxy, p.allow_insecure_http, p.timeout_s) == (True, True, False, 10.0)
    assert p.connection_options() == {
        "provider": "batch_v1",
        "base_url": "https://api.example.com",
        "label": "prod",
        "verify": True,
        "timeout_s": 10.0,
        "trust_env": True,
        "insecure": False,
        "default_workspace": None,
    }


# -- the store without a keyring (forced fail backend) ---------------------------------------


@pytest.fixture
def store(app_paths, fail_keyring) -> ProfileStore:
    return ProfileStore(app_paths, CredentialStore(environ={}))


def test_add_list_get_update_rename_remove(store, app_paths):
    store.add(make_profile(name="staging", base_url="https://staging.example.com"))
    store.add(make_profile(name="Prod", base_url="https://api.example.com", default_workspace="ws_1"))
    assert store.names() == ["Prod", "staging"]
    assert store.get("Prod").default_workspace == "ws_1"

    store.update("Prod", store.get("Prod").with_changes(timeout_s=30))
    assert store.get("Prod").timeout_s == 30

    store.rename("Prod", "production")
    assert store.names() == ["production", "staging"]
    with pytest.raises(ProfileError, match="no profile named 'Prod'"):
        store.get("Prod")

    assert store.remove("production") is None
    assert store.names() == ["staging"]
    assert ProfileStore(app_paths, CredentialStore(environ={})).names() == ["staging"]  # another process sees the same


def test_the_file_holds_no_token_field_and_is_private(store, app_paths):
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    document = json.loads(app_paths.profiles_file.read_text(encoding="utf-8"))
    assert document["format"] == 1
    assert set(document["profiles"][0]) == {
        "name",
        "provider",
        "base_url",
        "default_workspace",
        "verify_tls",
        "ca_bundle",
        "use_env_proxy",
        "timeout_s",
        "allow_insecure_http",
    }
    assert stat.S_IMODE(app_paths.profiles_file.stat().st_mode) == 0o600


def test_a_file_written_before_profiles_named_their_platform_loads_as_batch_v1(store, app_paths):
    legacy = {
        "name": "prod",
        "base_url": "https://api.example.com",
        "default_workspace": "ws_1",
        "verify_tls": True,
        "ca_bundle": None,
        "use_env_proxy": True,
        "timeout_s": 10.0,
        "allow_insecure_http": False,
    }
    app_paths.profiles_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths.profiles_file.write_text(json.dumps({"format": 1, "profiles": [legacy]}), encoding="utf-8")
    [profile] = store.profiles()
    assert (profile.provider, profile.default_workspace, profile.needs_workspace) == ("batch_v1", "ws_1", True)
    assert profile.connection_options()["provider"] == "batch_v1"
    assert store.warnings == []
    assert app_paths.profiles_file.read_text(encoding="utf-8") == json.dumps({"format": 1, "profiles": [legacy]})


def test_an_elevenlabs_profile_round_trips_and_names_no_workspace(store):
    url = "https://api.eu.residency.elevenlabs.io"
    store.add(make_profile(name="el", provider="elevenlabs", base_url=url))
    profile = store.get("el")
    assert (profile.provider, profile.base_url, profile.default_workspace) == ("elevenlabs", url, None)
    assert not profile.needs_workspace and profile.provider_label == "ElevenLabs"
    assert profile.connection_options()["provider"] == "elevenlabs"
    with pytest.raises(ProfileError) as caught:
        make_profile(name="el2", provider="elevenlabs", base_url=url, default_workspace="ws_1")
    assert set(caught.value.field_errors) == {"default_workspace"}
    assert "the API key decides it" in caught.value.field_errors["default_workspace"]


def test_an_unknown_platform_is_refused_in_plain_words(store, app_paths):
    with pytest.raises(ProfileError) as caught:
        make_profile(name="v", provider="vapi", base_url="https://api.example.com")
    assert caught.value.field_errors == {"provider": "Platform: choose one of batch_v1, elevenlabs."}
    # In the file: that one profile is skipped with a warning, the others load.
    entries = [
        {"name": "v", "provider": "vapi", "base_url": "https://api.example.com"},
        {"name": "ok", "base_url": "https://api.example.com"},
    ]
    app_paths.profiles_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths.profiles_file.write_text(json.dumps({"format": 1, "profiles": entries}), encoding="utf-8")
    assert store.names() == ["ok"]
    assert any("Profile 'v' was skipped" in w for w in store.warnings)


def test_names_are_unique_ignoring_case(store):
    store.add(make_profile(name="prod", base_url="https://a.example.com"))
    with pytest.raises(ProfileError) as caught:
        store.add(make_profile(name="PROD", base_url="https://b.example.com"))
    assert "already exists" in caught.value.message
    store.add(make_profile(name="other", base_url="https://b.example.com"))
    with pytest.raises(ProfileError):
        store.rename("other", "Prod")


def test_a_missing_ca_bundle_is_refused(store, tmp_path):
    with pytest.raises(ProfileError) as caught:
        store.add(make_profile(name="corp", base_url="https://h", ca_bundle=str(tmp_path / "no.pem")))
    assert "does not exist" in caught.value.field_errors["ca_bundle"]


def test_adding_with_a_token_but_no_keyring_saves_nothing(store, app_paths):
    with pytest.raises(CredentialError) as caught:
        store.add(make_profile(name="prod", base_url="https://h"), token="tok-123456")
    assert caught.value.keyring_unusable
    assert "tok-123456" not in str(caught.value)
    assert store.names() == []


def test_unknown_profiles_are_named_in_the_error(store):
    store.add(make_profile(name="a", base_url="https://h"))
    with pytest.raises(ProfileError, match=r"no profile named 'b' \(profiles: a\)"):
        store.get("b")
    for action in (lambda: store.remove("b"), lambda: store.rename("b", "c")):
        with pytest.raises(ProfileError):
            action()


def test_a_corrupt_profiles_file_is_kept_aside(store, app_paths):
    app_paths.profiles_file.write_text("{not json", encoding="utf-8")
    assert store.profiles() == []
    kept = list(app_paths.config_dir.glob("profiles.json.bad-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert "could not be read" in store.warnings[0]


def test_bad_entries_are_skipped_once_and_the_original_kept(store, app_paths):
    good = {"name": "ok", "base_url": "https://h"}
    bad = {"name": "plain", "base_url": "http://remote.example.com"}
    original = json.dumps({"format": 1, "profiles": [good, bad]})
    app_paths.profiles_file.write_text(original, encoding="utf-8")
    assert store.names() == ["ok"]
    assert "Profile 'plain' was skipped" in store.warnings[0]
    kept = list(app_paths.config_dir.glob("profiles.json.bad-*"))
    assert [k.read_text(encoding="utf-8") for k in kept] == [original]
    store.warnings.clear()
    assert store.names() == ["ok"]
    assert store.warnings == []  # rewritten without the bad entry: warned once


# -- the store with the real keyring (CI: .ci/keyring-session.sh) ----------------------------


@pytest.mark.keyring
def test_tokens_follow_their_profiles_in_the_real_keyring(app_paths, real_keyring, profile_names):
    first, renamed = profile_names("first"), profile_names("renamed")
    store = ProfileStore(app_paths, CredentialStore(environ={}))
    store.add(make_profile(name=first, base_url="https://h"), token=f"{TOKEN}-1\n")
    assert real_keyring.get_password(SERVICE_NAME, first) == f"{TOKEN}-1"

    store.rename(first, renamed)
    assert real_keyring.get_password(SERVICE_NAME, first) is None
    assert real_keyring.get_password(SERVICE_NAME, renamed) == f"{TOKEN}-1"

    store.update(renamed, store.get(renamed), token=f"{TOKEN}-2")
    assert store.resolve(renamed)[1].token == f"{TOKEN}-2"

    assert store.remove(renamed) is None
    assert real_keyring.get_password(SERVICE_NAME, renamed) is None
    assert f"{TOKEN}-" not in app_paths.profiles_file.read_text(encoding="utf-8")
