from pathlib import Path

import pytest

from graph.settings import Settings, SettingsError, load_settings


def test_defaults_then_env_then_overrides() -> None:
    assert load_settings(env={}) == Settings()
    s = load_settings(
        env={
            "ZHKG_CHUNK_SIZE": "300",
            "ZHKG_CKIP": "yes",
            "ZHKG_WORKSPACE": "/tmp/x",
            "ZHKG_MAX_FILE_MB": "1.5",
        },
        overrides={"chunk_size": 400, "device": None},
    )
    assert s.chunk_size == 400  # flag beats environment
    assert s.ckip is True and s.workspace == Path("/tmp/x") and s.max_file_mb == 1.5
    assert s.device == "auto"  # an unset flag (None) does not mask anything


def test_lexicon_files_from_env_path_list() -> None:
    s = load_settings(env={"ZHKG_LEXICON_FILES": "/a.yaml:/b.yaml"})
    assert s.lexicon_files == (Path("/a.yaml"), Path("/b.yaml"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZHKG_CHUNK_SIZE": "many"}, "ZHKG_CHUNK_SIZE"),
        ({"ZHKG_CKIP": "maybe"}, "ZHKG_CKIP"),
        ({"ZHKG_CHUNK_SIZE": "10"}, "chunk_size"),
        ({"ZHKG_BOILERPLATE_MIN_SHARE": "2"}, "boilerplate_min_share"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env=env)


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(SettingsError, match="unknown setting"):
        load_settings(env={}, overrides={"no_such_thing": 1})


def test_secrets_never_in_public_dict_or_repr() -> None:
    s = load_settings(
        env={"ZHKG_LLM_API_KEY": "k-123", "ZHKG_NEO4J_PASSWORD": "pw-456", "ZHKG_APP_PASSWORD": "a"}
    )
    public = s.public_dict()
    assert "llm_api_key" not in public and "neo4j_password" not in public and "app_password" not in public
    assert "k-123" not in repr(s) and "pw-456" not in repr(s)
