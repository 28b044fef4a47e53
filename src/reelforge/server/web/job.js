// One job: live progress, event log, attempts, cost, and its results (player, download, thumbnail, captions,
// metadata with copy buttons).

import { api, followJob } from "./api.js";
import { copyText, h, progressBar, statusBadge, usd, when } from "./dom.js";
import { failure, jobActions } from "./jobs.js";

function attemptsTable(job) {
  const open = ["queued", "running"].includes(job.status);
  const none = open ? "No provider attempts yet." : "No provider attempts.";
  if (!job.attempts.length) return h("p", { class: "hint" }, none);
  const head = ["Backend", "Model", "Provider job id", "Billable", "Outcome", "Cost"];
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Attempts" },
    h("table", {},
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, job.attempts.map((a) => h("tr", {},
        h("td", {}, a.backend), h("td", {}, a.model || ""), h("td", { class: "mono" }, a.provider_job_id || ""),
        h("td", {}, a.billable ? "yes" : "no"), h("td", {}, a.outcome || "in flight"),
        h("td", {}, usd(a.cost_usd)))))));
}

function copyRow(label, text) {
  const name = `Copy ${label.toLowerCase()}`;
  const button = h("button", { type: "button", class: "secondary small", "aria-label": name }, "Copy");
  button.addEventListener("click", () => copyText(text, button));
  const value = h("dd", {}, h("span", { class: "meta-text" }, text), " ", button);
  return h("div", { class: "meta-row" }, h("dt", {}, label), value);
}

function metadataList(meta) {
  if (!meta) return null;
  const rows = [];
  if (meta.title) rows.push(copyRow("Title", meta.title));
  if (meta.description) rows.push(copyRow("Description", meta.description));
  if (meta.tags.length) rows.push(copyRow("Tags", meta.tags.join(", ")));
  if (meta.chapters.length) {
    const stamp = (t) => new Date(t * 1000).toISOString().slice(t >= 3600 ? 11 : 14, 19);
    const text = meta.chapters.map(([t, name]) => `${stamp(t)} ${name}`).join("\n");
    rows.push(copyRow("Chapters", text));
  }
  return rows.length ? h("dl", { class: "metadata" }, rows) : null;
}

export function resultsSection(out) {
  const heading = h("h2", { id: "results-title" }, "Results");
  const section = h("section", { class: "card", "aria-labelledby": "results-title" }, heading);
  if (!out.video) return section.append(h("p", {}, "This job wrote no file.")), section;
  const video = h("video", {
    controls: true, preload: "auto", src: out.video, poster: out.thumbnail, playsinline: true,
    "aria-label": "Result video",
  });
  if (out.vtt) video.append(h("track", { kind: "captions", src: out.vtt, srclang: "en", label: "Captions" }));
  const link = (href, download, label, cls) => h("a", { href, download, class: cls }, label);
  const links = [link(out.video, out.download_name || "video.mp4", "Download video", "button")];
  if (out.srt) links.push(link(out.srt, `${out.job_id}.srt`, "Captions (SRT)", "button secondary"));
  if (out.vtt) links.push(link(out.vtt, `${out.job_id}.vtt`, "Captions (VTT)", "button secondary"));
  section.append(video, h("div", { class: "actions" }, links));
  if (out.thumbnail) {
    section.append(h("figure", { class: "thumb" }, h("img", { src: out.thumbnail, alt: "Thumbnail of the result" }),
      h("figcaption", {}, h("a", { href: out.thumbnail, download: `${out.job_id}.jpg` }, "Download thumbnail"))));
  }
  const meta = metadataList(out.metadata);
  if (meta) section.append(h("h3", {}, "Metadata"), meta);
  return section;
}

function eventItem(e) {
  const pct = `${Math.round(e.progress * 100)} %`;
  const text = [e.status, e.stage || "-", pct, e.message].filter(Boolean).join(" · ");
  return h("li", {}, h("time", { datetime: e.at }, when(e.at)), ` ${text}`);
}

export async function jobPage(root, navigate, id, signal) {
  let job = await api(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
  const bar = progressBar(job.progress, "Job progress");
  const stage = h("p", { class: "stage", "aria-live": "polite" });
  const badge = h("span", {});
  const log = h("ol", { class: "events", "aria-label": "Event log" });
  const details = h("div", {});
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const results = h("div", {});
  const show = async (fresh) => {
    job = fresh;
    badge.replaceChildren(statusBadge(job.status));
    bar.set(job.progress);
    stage.textContent = [job.stage, job.message].filter(Boolean).join(" · ");
    details.replaceChildren(
      failure(job) || "",
      h("p", {}, `Cost ${usd(job.cost_usd)} · runs ${job.runs} · created ${when(job.created_at)}`,
        job.finished_at ? ` · finished ${when(job.finished_at)}` : ""),
      jobActions(job, (j) => { show(j); if (ended) follow(); }, note),
      h("h2", {}, "Attempts"),
      attemptsTable(job),
    );
    if (job.status === "succeeded" && !results.childElementCount) {
      results.replaceChildren(resultsSection(await api(`/v1/ui/jobs/${job.id}/outputs`, { signal })));
    }
  };
  let after = 0;
  let ended = false;
  const onEvent = ({ event, data, id: seq }) => {
    if (seq) after = Number(seq);
    if (event === "progress") {
      log.append(eventItem(data));
      bar.set(data.progress);
      stage.textContent = [data.stage, data.message].filter(Boolean).join(" · ");
      badge.replaceChildren(statusBadge(data.status));
    } else if (event === "job") {
      ended = true;
      show(data);
    }
  };
  const follow = async () => {
    ended = false;
    while (!ended && !signal.aborted) {
      let wait = 500;
      try {
        await followJob(job.id, onEvent, { after, signal });
      } catch {
        wait = 2000;
      }
      if (!ended && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, wait)); // resume after `after`
    }
  };
  const what = job.request.prompt || job.request.topic || job.request.script_text || "";
  root.replaceChildren(
    h("p", {}, h("a", { href: "#/jobs" }, "← All jobs")),
    h("h1", {}, `${job.kind === "short" ? "Short" : "Video"} job `, h("span", { class: "mono" }, job.id)),
    what ? h("p", { class: "what" }, what) : "",
    h("div", { class: "card" }, h("p", {}, "Status: ", badge), bar, stage, details, note),
    results,
    h("section", { class: "card", "aria-labelledby": "log-title" }, h("h2", { id: "log-title" }, "Event log"), log),
  );
  await show(job);
  follow();
}
