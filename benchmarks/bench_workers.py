"""The three implementations compared by bench_render.py, each run in its own process."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p", "-g", "60"]


def run_worker(kind: str, spec: dict, out: Path) -> None:
    {"reelforge": reelforge_render, "moviepy": moviepy_render, "ffmpeg": ffmpeg_render}[kind](spec, out)


def reelforge_render(spec: dict, out: Path) -> None:
    from reelforge.render import Timeline, render_timeline_sync

    render_timeline_sync(Timeline.model_validate(spec), out)


# ---------------------------------------------------------------- (c) one hand-written ffmpeg command
def ffmpeg_render(spec: dict, out: Path) -> None:
    from reelforge.media import ffmpeg_exe
    from reelforge.media.fonts import SHIPPED_DIR
    from reelforge.render import Timeline
    from reelforge.render.captions import write_captions

    tl = Timeline.model_validate(spec)
    tmp = Path(tempfile.mkdtemp())
    ass = write_captions(tl, tmp, None).ass
    w, h = tl.output.size
    n = len(tl.scenes)
    d, xf = tl.scenes[0].duration_s, 0.5
    total = tl.duration_s
    inputs, chains = [], []
    for i, s in enumerate(tl.scenes):
        dur = d + (xf if i < n - 1 else 0)
        frames = round(dur * 30)
        if s.visual.kind == "clip":
            inputs += ["-stream_loop", "-1", "-t", f"{dur + 0.5}", "-i", str(s.visual.path)]
            chains.append(
                f"[{i}:v]fps=30,crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})',scale={w}:{h},"
                f"setsar=1,format=yuv420p,trim=end_frame={frames},setpts=PTS-STARTPTS[v{i}]"
            )
        else:
            pw, ph = round(w * 1.15 / 2) * 2, round(h * 1.15 / 2) * 2
            inputs += ["-framerate", "30", "-i", str(s.visual.path)]
            kb = s.visual.kenburns
            if kb in ("in", "out"):
                z = f"(1+0.15*on/{frames})" if kb == "in" else f"(1.15-0.15*on/{frames})"
                move = f"zoompan=z='{z}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s={w}x{h}:fps=30"
            else:
                move = f"crop={w}:{h}:x='{pw - w}*n/{frames}':y={(ph - h) // 2}"
            chains.append(
                f"[{i}:v]scale={pw}:{ph}:force_original_aspect_ratio=increase,crop={pw}:{ph},"
                f"setsar=1,format=yuv420p,loop=-1:1,setpts=N/(30*TB),trim=end_frame={frames},"
                f"{move},setpts=PTS-STARTPTS[v{i}]"
            )
    last = "v0"
    for i in range(1, n):
        chains.append(f"[{last}][v{i}]xfade=transition=fade:duration={xf}:offset={i * d}[x{i}]")
        last = f"x{i}"
    chains.append(f"[{last}]subtitles=filename={ass}:fontsdir={SHIPPED_DIR}[vout]")
    samples = round(total * 48000)
    inputs += ["-i", str(tl.narration), "-stream_loop", "-1", "-i", str(tl.music.path)]
    a, m = n, n + 1
    chains += [
        f"[{a}:a]aresample=48000,aformat=channel_layouts=stereo,apad=whole_len={samples},asplit[na][nsc]",
        f"[{m}:a]aresample=48000,aformat=channel_layouts=stereo,atrim=end_sample={samples},volume=-12dB,"
        f"afade=t=in:d=1,afade=t=out:st={total - 2}:d=2[mu]",
        "[mu][nsc]sidechaincompress=threshold=0.03:ratio=10:attack=15:release=400[duck]",
        f"[na][duck]amix=inputs=2:duration=first:normalize=0,loudnorm=I=-14:TP=-1:LRA=11,aresample=48000,"
        f"atrim=end_sample={samples}[aout]",
    ]
    argv = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        *X264,
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-movflags",
        "+faststart",
        str(out),
    ]
    subprocess.run(argv, check=True)


# ---------------------------------------------------------------- (b) MoviePy 2
def moviepy_render(spec: dict, out: Path) -> None:
    import numpy as np
    from moviepy import AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, VideoFileClip, afx, vfx
    from PIL import Image, ImageDraw, ImageFont

    from reelforge.media.fonts import SHIPPED_DIR
    from reelforge.render import Timeline
    from reelforge.render.captions import phrases

    tl = Timeline.model_validate(spec)
    w, h = tl.output.size
    xf = 0.5
    clips, t = [], 0.0
    for i, s in enumerate(tl.scenes):
        dur = s.duration_s + (xf if i < len(tl.scenes) - 1 else 0)
        if s.visual.kind == "clip":
            c = VideoFileClip(str(s.visual.path), audio=False)
            c = c.with_effects([vfx.Loop(duration=dur)]) if c.duration < dur else c.subclipped(0, dur)
            scale = max(w / c.w, h / c.h)
            c = c.resized(scale).cropped(x_center=c.w * scale / 2, y_center=c.h * scale / 2, width=w, height=h)
        else:
            img = Image.open(s.visual.path).convert("RGB")
            scale = max(w * 1.15 / img.width, h * 1.15 / img.height)
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
            base = ImageClip(np.asarray(img)).with_duration(dur)
            kb = s.visual.kenburns
            if kb in ("in", "out"):
                c = base.resized(
                    lambda t, d=dur, k=kb: (1 / 1.15) * ((1 + 0.15 * t / d) if k == "in" else (1.15 - 0.15 * t / d))
                )
                c = c.with_position("center")
            else:
                dx = base.w - w
                c = base.with_position(lambda t, d=dur, dx=dx, bh=base.h: (-dx * t / d, -(bh - h) / 2))
        c = c.with_start(t).with_duration(dur)
        if i:
            c = c.with_effects([vfx.CrossFadeIn(xf)])
        clips.append(c)
        t += s.duration_s
    caps = _moviepy_captions(tl, w, h, ImageClip, Image, ImageDraw, ImageFont, np, phrases, SHIPPED_DIR)
    video = CompositeVideoClip(clips + caps, size=(w, h)).with_duration(tl.duration_s)
    narr = AudioFileClip(str(tl.narration))
    music = AudioFileClip(str(tl.music.path)).with_effects(
        [
            afx.AudioLoop(duration=tl.duration_s),
            afx.MultiplyVolume(10 ** (-12 / 20)),
            afx.AudioFadeIn(1),
            afx.AudioFadeOut(2),
        ]
    )
    spans = [(wd.start_s, wd.end_s) for wd in tl.captions.words]

    def duck(get_frame, t):  # music lowered while narration speaks (no sidechain in MoviePy)
        tt = np.atleast_1d(t)
        on = np.zeros_like(tt, dtype=bool)
        for a, b in spans:
            on |= (tt >= a - 0.1) & (tt <= b + 0.3)
        return get_frame(t) * np.where(on, 0.3, 1.0)[:, None]

    music = music.transform(duck, keep_duration=True)
    mix = CompositeAudioClip([narr, music]).with_duration(tl.duration_s)
    # loudness: MoviePy has no loudnorm and copies its temp audio; approximate -14 LUFS from the RMS
    rms = float(np.sqrt(np.mean(mix.to_soundarray(fps=48000) ** 2)) or 1e-9)
    gain = min(10 ** ((-14 + 0.7 - 20 * np.log10(rms)) / 20), 10.0)
    video = video.with_audio(mix.with_effects([afx.MultiplyVolume(gain)]))
    video.write_videofile(
        str(out),
        fps=30,
        codec="libx264",
        preset="veryfast",
        audio_codec="aac",
        audio_fps=48000,
        audio_bitrate="160k",
        logger=None,
        ffmpeg_params=["-crf", "21", "-pix_fmt", "yuv420p", "-g", "60", "-movflags", "+faststart"],
    )


def _moviepy_captions(tl, w, h, ImageClip, Image, ImageDraw, ImageFont, np, phrases, fonts_dir):
    """One picture per karaoke state (phrase with the spoken word in yellow), drawn with PIL."""
    font = ImageFont.truetype(str(fonts_dir / "NotoSans-Bold.ttf"), round(68 * w / 1080))
    words = tl.captions.words
    out = []
    for ph in phrases(words, 22, 2):
        idx = [j for line in ph for j in line]
        end = words[idx[-1]].end_s + 0.4
        for k, j in enumerate(idx):
            s = words[j].start_s
            e = words[idx[k + 1]].start_s if k + 1 < len(idx) else end
            img = Image.new("RGBA", (w, round(h * 0.3)), (0, 0, 0, 0))
            draw = ImageDraw.Draw(img)
            y = 10
            for line in ph:
                texts = [words[q].text for q in line]
                lw = draw.textlength(" ".join(texts), font=font)
                x = (w - lw) / 2
                for q, tx in zip(line, texts, strict=True):
                    color = (255, 224, 0) if q == j else (255, 255, 255)
                    draw.text((x, y), tx, font=font, fill=color, stroke_width=5, stroke_fill=(0, 0, 0))
                    x += draw.textlength(tx + " ", font=font)
                y += font.size + 12
            clip = ImageClip(np.asarray(img)).with_start(s).with_duration(max(0.04, e - s))
            out.append(clip.with_position(("center", h * 0.8 - img.height + 40)))
    return out
