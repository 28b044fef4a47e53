"""TikTok against the loopback fake: sign-in, creator info, chunked FILE_UPLOAD, status, and the error shapes."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from reelforge.config import Config
from reelforge.errors import AuthError, InvalidRequest, ProviderError
from reelforge.publish import PublishStore, get_publisher, publish
from reelforge.publish.tiktok import chunk_plan
from tests.fakes.kit import Fault
from tests.fakes.tiktok_server import MB, UNAUDITED, TikTokFake, chunk_rule_problem

from .conftest import browser, mode, sign_in_tiktok, video_file

BIG = 12 * MB + 4321  # two 5 MB chunk slots: the last chunk takes the trailing 7 MB


def sha(data: bytes | bytearray) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


@pytest.mark.parametrize("size", [1, 5 * MB - 1, 5 * MB, 7 * MB, 10 * MB, 12 * MB + 1, 700 * MB, 6000 * MB])
def test_chunk_plan_follows_tiktoks_rules(size: int) -> None:
    chunk, count = chunk_plan(size, 5 * MB)
    assert chunk_rule_problem(size, chunk, count) is None


async def test_login_stores_the_token_privately(
    config: Config, tt: TikTokFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await get_publisher(config, "tiktok").login(browser(), timeout_s=20)
    store = PublishStore(config.data_dir)
    token = store.read_token("tiktok")
    assert token is not None and token["access_token"] in tt.valid_tokens
    for secret in (token["access_token"], token["refresh_token"], "fake-tiktok-client-secret-4567"):
        assert secret not in caplog.text
    assert mode(store.token_path("tiktok")) == 0o600
    authorize = tt.server.seen("GET", "/v2/auth/authorize/")[0]
    assert "code_challenge=" in authorize.query and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in authorize.query


async def test_direct_post_in_chunks(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    video = video_file(tmp_path, BIG)
    published = await publish(config, video, {"to": "tiktok", "privacy": "PUBLIC_TO_EVERYONE", "title": "Lava"})
    upload = tt.only_upload()
    assert sha(upload["data"]) == sha(video.read_bytes())
    assert upload["source"] == {
        "source": "FILE_UPLOAD",
        "video_size": BIG,
        "chunk_size": 5 * MB,
        "total_chunk_count": 2,
    }
    assert upload["puts"] == [(0, 5 * MB), (5 * MB, BIG - 5 * MB)]
    assert upload["post"]["privacy_level"] == "PUBLIC_TO_EVERYONE" and upload["post"]["title"] == "Lava"
    assert published.video_id == "7300000000000000001"
    assert published.url == "https://www.tiktok.com/@fakecreator/video/7300000000000000001"
    assert tt.server.seen("POST", "/v2/post/publish/creator_info/query/")  # asked first


async def test_small_private_post_goes_whole(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    published = await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"})
    upload = tt.only_upload()
    assert upload["source"]["total_chunk_count"] == 1 and upload["post"]["privacy_level"] == "SELF_ONLY"
    assert published.url is None and published.video_id.startswith("v_pub_file~")


async def test_inbox_draft(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    config.publish.tiktok.mode = "inbox"
    tt.statuses = ["PROCESSING_UPLOAD", "SEND_TO_USER_INBOX"]
    sign_in_tiktok(config, tt)
    published = await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"})
    assert tt.server.seen("POST", "/v2/post/publish/inbox/video/init/")
    assert "inbox" in published.status


async def test_chunk_failures_are_retried_without_resending_confirmed_chunks(
    config: Config, tt: TikTokFake, tmp_path: Path
) -> None:
    sign_in_tiktok(config, tt)
    video = video_file(tmp_path, BIG)
    tt.put_faults = [None, Fault(503), Fault(drop=True)]
    await publish(config, video, {"to": "tiktok"})
    upload = tt.only_upload()
    assert sha(upload["data"]) == sha(video.read_bytes())
    assert [start for start, _ in upload["puts"]] == [0, 5 * MB, 5 * MB, 5 * MB]  # chunk 1 once, chunk 2 thrice


async def test_a_failed_run_resumes_after_the_last_confirmed_chunk(
    config: Config, tt: TikTokFake, tmp_path: Path
) -> None:
    config.publish.tiktok.retries = 0
    sign_in_tiktok(config, tt)
    video = video_file(tmp_path, BIG)
    tt.put_faults = [None, Fault(drop=True)]
    with pytest.raises(ProviderError, match="publish again to resume"):
        await publish(config, video, {"to": "tiktok"})
    await publish(config, video, {"to": "tiktok"})
    upload = tt.only_upload()  # one init: the stored session was continued
    assert sha(upload["data"]) == sha(video.read_bytes())
    assert [start for start, _ in upload["puts"]].count(0) == 1


async def test_unaudited_client_is_told_exactly_what_to_do(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    tt.init_faults = [UNAUDITED]
    with pytest.raises(InvalidRequest) as err:
        await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok", "privacy": "PUBLIC_TO_EVERYONE"})
    message = err.value.problems["privacy"]
    assert "not audited" in message and "SELF_ONLY" in message and "private" in message
    assert err.value.exit_code == 2


async def test_privacy_outside_the_creators_options(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    tt.privacy_options = ["SELF_ONLY"]
    tt.max_duration_s = 60
    with pytest.raises(InvalidRequest) as err:
        await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok", "privacy": "PUBLIC_TO_EVERYONE"})
    assert "SELF_ONLY" in err.value.problems["privacy"]
    assert not tt.uploads


async def test_expired_token_is_refreshed(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    old = sign_in_tiktok(config, tt, expires_at=1.0)
    await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"})
    token = PublishStore(config.data_dir).read_token("tiktok")
    assert token is not None and token["access_token"] != old["access_token"]


async def test_refused_token_is_refreshed_once(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt, valid=False)
    await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"})
    tt.refresh_tokens.clear()
    tt.valid_tokens.clear()
    with pytest.raises(AuthError, match="publish login tiktok"):
        await publish(config, video_file(tmp_path, 300_000, name="other.mp4"), {"to": "tiktok"})


async def test_failed_processing_is_reported(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    tt.statuses = ["PROCESSING_UPLOAD", "FAILED"]
    with pytest.raises(ProviderError, match="file_format_check_failed"):
        await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"})


async def test_scheduling_is_refused(config: Config, tt: TikTokFake, tmp_path: Path) -> None:
    sign_in_tiktok(config, tt)
    with pytest.raises(InvalidRequest) as err:
        await publish(config, video_file(tmp_path, 1000), {"to": "tiktok", "publish_at": "2099-01-01T00:00:00Z"})
    assert "schedule" in err.value.problems


async def test_no_secret_in_logs_or_records(
    config: Config, tt: TikTokFake, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    old = sign_in_tiktok(config, tt, expires_at=1.0)
    tt.put_faults = [Fault(503)]
    published = await publish(config, video_file(tmp_path, 300_000), {"to": "tiktok"}, key="job-9:publish:0")
    token = PublishStore(config.data_dir).read_token("tiktok")
    assert token is not None
    secrets = {old["access_token"], old["refresh_token"], token["access_token"], "fake-tiktok-client-secret-4567"}
    records = [published.model_dump_json(), caplog.text, repr(config.publish.tiktok)]
    records += [p.read_text() for p in (config.data_dir / "publish").rglob("*.json") if "tokens" not in p.parts]
    for text in records:
        for secret in secrets:
            assert secret not in text
