"""YouTube's and TikTok's error answers in the error tree, and the `publish:` config block's checks."""

from __future__ import annotations

import json

import pytest

from reelforge.config import Config
from reelforge.errors import AuthError, ConfigError, InvalidRequest, ProviderError, RateLimited, ReelforgeError
from reelforge.publish.tiktok_api import api_error
from reelforge.publish.youtube_api import map_http_error, rebase
from tests.fakes.youtube_server import google_error


@pytest.mark.parametrize(
    ("status", "reason", "kind", "retryable", "words"),
    [
        (401, "authError", AuthError, False, "publish login youtube"),
        (403, "quotaExceeded", ProviderError, False, "quota"),
        (403, "uploadLimitExceeded", ProviderError, False, "upload limit"),
        (403, "rateLimitExceeded", RateLimited, False, "slow down"),
        (429, "", RateLimited, False, "slow down"),
        (503, "backendError", ProviderError, True, "503"),
        (403, "youtubeSignupRequired", AuthError, False, "channel"),
        (400, "invalidTitle", InvalidRequest, False, "invalidTitle"),
    ],
)
def test_youtube_errors(status: int, reason: str, kind: type, retryable: bool, words: str) -> None:
    error = map_http_error(status, json.dumps(google_error(status, reason, "nope")).encode())
    assert type(error) is kind and words in error.message
    assert getattr(error, "retryable", False) is retryable


def test_youtube_error_without_a_json_body() -> None:
    assert isinstance(map_http_error(502, b"<html>bad gateway</html>"), ProviderError)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("unaudited_client_can_only_post_to_private_accounts", 403, InvalidRequest),
        ("access_token_invalid", 401, AuthError),
        ("scope_not_authorized", 401, AuthError),
        ("rate_limit_exceeded", 429, RateLimited),
        ("spam_risk_too_many_posts", 403, ProviderError),
        ("privacy_level_option_mismatch", 400, InvalidRequest),
        ("internal_error", 500, ProviderError),
    ],
)
def test_tiktok_errors(code: str, status: int, kind: type[ReelforgeError]) -> None:
    error = api_error(code, "", status)
    assert type(error) is kind and (code in error.message or kind is InvalidRequest or kind is RateLimited)


def test_rebase_keeps_path_and_query() -> None:
    uri = "https://www.googleapis.com/upload/youtube/v3/videos?part=snippet&uploadType=resumable"
    assert rebase(uri, "http://127.0.0.1:8080/proxy") == (
        "http://127.0.0.1:8080/proxy/upload/youtube/v3/videos?part=snippet&uploadType=resumable"
    )


@pytest.mark.parametrize(
    ("block", "key"),
    [
        ({"youtube": {"chunk_size": 1000}}, "publish.youtube.chunk_size"),
        ({"tiktok": {"chunk_size": 1024}}, "publish.tiktok.chunk_size"),
        ({"tiktok": {"privacy": "EVERYONE"}}, "publish.tiktok.privacy"),
        ({"vimeo": {}}, "publish.vimeo"),
    ],
)
def test_config_block_is_checked(block: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        Config.from_dict({"publish": block})
    assert err.value.key == key


def test_config_roots_and_secrets() -> None:
    config = Config.from_dict({"publish": {"youtube": {"api_base_url": "http://127.0.0.1:1/"},
                                           "tiktok": {"client_secret": "s3cr3t-value"}}})  # fmt: skip
    assert config.publish.youtube.api_base_url == "http://127.0.0.1:1"
    assert "s3cr3t-value" not in repr(config.publish) and "s3cr3t-value" not in config.model_dump_json()
