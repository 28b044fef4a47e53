"""YouTube against the loopback fake: sign-in, the resumable upload and its failure modes, the thumbnail."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reelforge.config import Config
from reelforge.errors import AuthError, InvalidRequest, ProviderError
from reelforge.publish import PublishStore, get_publisher, publish
from tests.fakes.kit import Fault
from tests.fakes.youtube_server import QUOTA, YouTubeFake

from .conftest import CHUNK, PAST, browser, mode, sign_in_youtube, video_file

SIZE = 5 * CHUNK + 12345  # six chunks, the last one short


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_login_stores_the_token_privately(
    config: Config, yt: YouTubeFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    publisher = get_publisher(config, "youtube")
    await publisher.login(browser(), timeout_s=20)
    store = PublishStore(config.data_dir)
    token = store.read_token("youtube")
    assert token is not None and token["token"] in yt.valid_tokens and token["refresh_token"] in yt.refresh_tokens
    for secret in (token["token"], token["refresh_token"], token["client_secret"]):
        assert secret not in caplog.text
    assert mode(store.token_path("youtube")) == 0o600
    assert mode(store.token_path("youtube").parent) == 0o700


async def test_complete_upload_hashes_to_the_source(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, SIZE)
    seen: list[float] = []
    target = {"to": "youtube", "title": "Volcanoes <explained>", "tags": ["geology", "lava"], "made_for_kids": False}
    published = await publish(config, video, target, lambda f, m: seen.append(f))
    session = yt.only_session()
    assert yt.digest(session["data"]) == sha(video)
    assert yt.sent_bytes() == SIZE  # every byte once
    meta = session["metadata"]
    assert meta["snippet"]["title"] == "Volcanoes explained" and meta["snippet"]["tags"] == ["geology", "lava"]
    assert meta["status"] == {"privacyStatus": "private", "selfDeclaredMadeForKids": False}
    assert yt.thumbnails[published.video_id] == video.with_suffix(".jpg").read_bytes()
    assert published.url == f"https://www.youtube.com/watch?v={published.video_id}"
    assert published.privacy == "private" and seen[-1] == 1.0 and seen == sorted(seen)
    assert not list((config.data_dir / "publish" / "sessions").glob("*.json"))  # finished: nothing left to resume


async def test_schedule_sets_publish_at_and_keeps_it_private(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    published = await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube", "privacy": "public",
                                                                   "publish_at": when.isoformat()})  # fmt: skip
    status = yt.only_session()["metadata"]["status"]
    assert status["privacyStatus"] == "private"
    assert status["publishAt"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert any("private until" in w for w in published.warnings) and published.status == "scheduled"


async def test_bad_metadata_is_refused_before_anything_is_sent(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    with pytest.raises(InvalidRequest) as err:
        await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube", "privacy": "secret", "publish_at": past})
    assert set(err.value.problems) == {"privacy", "schedule"}
    assert yt.sessions == {}


async def test_dropped_connection_resumes_from_the_confirmed_offset(
    config: Config, yt: YouTubeFake, tmp_path: Path
) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, SIZE)
    yt.put_faults = [None, None, Fault(drop=True)]  # the third chunk: half kept, then the connection dies
    await publish(config, video, {"to": "youtube"})
    session = yt.only_session()
    assert yt.digest(session["data"]) == sha(video)
    starts = [start for start, _ in session["puts"]]
    assert starts[3] == 2 * CHUNK + CHUNK // 2  # continued from what the server confirmed, not from zero
    assert yt.sent_bytes() == SIZE + CHUNK // 2  # only the half the server lost was sent again
    queries = [r for r in yt.server.seen("PUT") if r.headers.get("content-range", "").startswith("bytes */")]
    assert len(queries) == 1


async def test_server_errors_are_retried(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, SIZE)
    yt.init_faults = [Fault(503)]
    yt.put_faults = [None, Fault(500), Fault(503)]
    await publish(config, video, {"to": "youtube"})
    session = next(s for s in yt.sessions.values() if s["video_id"])
    assert yt.digest(session["data"]) == sha(video)
    assert sum(n for _, n in session["puts"]) == SIZE + 2 * CHUNK  # each refused chunk sent once more


async def test_retries_run_out_and_the_next_call_resumes(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    config.publish.youtube.retries = 1
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, SIZE)
    yt.put_faults = [None, None, Fault(503), Fault(503)]
    with pytest.raises(ProviderError) as err:
        await publish(config, video, {"to": "youtube"})
    assert err.value.retryable and "resume" in err.value.message
    await publish(config, video, {"to": "youtube"})
    session = yt.only_session()
    assert yt.digest(session["data"]) == sha(video)
    assert session["puts"][0][0] == 0 and [s for s, _ in session["puts"]].count(0) == 1


async def test_expired_token_is_refreshed_and_stored(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    old = sign_in_youtube(config, yt, expiry=PAST)
    yt.valid_tokens.discard(old["token"])
    await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube"})
    store = PublishStore(config.data_dir)
    token = store.read_token("youtube")
    assert token is not None and token["token"] != old["token"] and token["token"] in yt.valid_tokens
    assert mode(store.token_path("youtube")) == 0o600


async def test_token_lapsing_mid_upload_is_refreshed(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, SIZE)
    yt.lapse_tokens_after_puts = 2
    await publish(config, video, {"to": "youtube"})
    session = yt.only_session()
    assert yt.digest(session["data"]) == sha(video) and yt.sent_bytes() == SIZE
    token = PublishStore(config.data_dir).read_token("youtube")
    assert token is not None and token["token"] in yt.valid_tokens  # the refreshed token was stored


async def test_revoked_sign_in_says_to_log_in_again(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt, expiry=PAST, revoked=True)
    with pytest.raises(AuthError) as err:
        await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube"})
    assert "expired or was revoked" in err.value.message and "reelforge publish login youtube" in err.value.message


async def test_not_signed_in(config: Config, tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="publish login youtube"):
        await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube"})


async def test_quota_exceeded_is_reported_with_what_to_do(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    yt.init_faults = [QUOTA]
    with pytest.raises(ProviderError) as err:
        await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube"})
    assert not err.value.retryable and err.value.status == 403
    assert "quota" in err.value.message and "midnight Pacific" in err.value.message
    assert yt.sessions == {}


async def test_refused_thumbnail_is_a_warning(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    yt.thumb_faults = [Fault(403, {"error": {"code": 403, "message": "verify the channel",
                                             "errors": [{"reason": "forbidden"}]}})]  # fmt: skip
    published = await publish(config, video_file(tmp_path, CHUNK), {"to": "youtube"})
    assert published.video_id and any("thumbnail not set" in w for w in published.warnings)


async def test_a_keyed_step_never_uploads_twice(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, CHUNK)
    first = await publish(config, video, {"to": "youtube"}, key="job-1:publish:0")
    again = await publish(config, video, {"to": "youtube"}, key="job-1:publish:0")
    assert again.video_id == first.video_id and len(yt.sessions) == 1


async def test_no_token_in_logs_records_or_errors(
    config: Config, yt: YouTubeFake, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    old = sign_in_youtube(config, yt, expiry=PAST)
    video = video_file(tmp_path, SIZE)
    yt.put_faults = [None, Fault(503), Fault(drop=True)]
    published = await publish(config, video, {"to": "youtube"}, key="job-2:publish:0")
    token = PublishStore(config.data_dir).read_token("youtube")
    assert token is not None
    secrets = {old["token"], old["refresh_token"], token["token"], token["client_secret"]}
    records = [published.model_dump_json(), caplog.text]
    records += [p.read_text() for p in (config.data_dir / "publish").rglob("*.json") if "tokens" not in p.parts]
    for text in records:
        for secret in secrets:
            assert secret not in text
