// Jobs: the live list (filters, progress over SSE, cancel, resume, failure reason and stage).

import { api, followJob } from "./api.js";
import { h, progressBar, select, statusBadge, usd, when } from "./dom.js";

const OPEN = new Set(["queued", "running"]);
const MAX_STREAMS = 3; // a browser opens few connections per host: the rest refresh with the list

/** Buttons that act on a job: Cancel while it runs, Resume once it failed or was cancelled. */
export function jobActions(job, onChange, note) {
  const actions = h("div", { class: "actions" });
  const act = async (path, button) => {
    button.disabled = true;
    try {
      const answer = await api(`/v1/jobs/${job.id}/${path}`, { method: "POST" });
      note.textContent = answer.message || `${path}: done`;
      onChange(answer.job || answer);
    } catch (error) {
      note.textContent = error.message;
      button.disabled = false;
    }
  };
  if (OPEN.has(job.status) && !job.cancel_requested) {
    const b = h("button", { type: "button", class: "danger", "aria-describedby": `job-${job.id}-name` }, "Cancel");
    b.addEventListener("click", () => act("cancel", b));
    actions.append(b);
  }
  if (job.status === "failed" || job.status === "cancelled") {
    const b = h("button", { type: "button", "aria-describedby": `job-${job.id}-name` }, "Resume");
    b.addEventListener("click", () => act("resume", b));
    actions.append(b);
  }
  return actions;
}

export function failure(job) {
  if (!job.error) return null;
  const stage = job.error.stage ? ` at stage “${job.error.stage}”` : "";
  return h("p", { class: "failure" }, `Failed${stage}: ${job.error.type}: ${job.error.message}`);
}

function jobRow(job, rerender) {
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const bar = progressBar(job.progress, `Progress of job ${job.id}`);
  const stage = h("span", { class: "stage" }, job.stage || "");
  const message = h("span", { class: "hint" }, job.message || "");
  const badge = h("span", {}, statusBadge(job.status));
  const what = job.request.prompt || job.request.topic || job.request.script_text || "";
  const row = h(
    "li",
    { class: "job card", "data-job": job.id },
    h("div", { class: "job-head" },
      h("a", { href: `#/jobs/${job.id}`, id: `job-${job.id}-name` }, `${job.kind} ${job.id.slice(-8)}`),
      badge,
      h("span", { class: "hint" }, when(job.created_at))),
    what ? h("p", { class: "what" }, what.slice(0, 140)) : null,
    h("div", { class: "job-progress" }, bar, h("p", {}, stage, " ", message)),
    failure(job),
    h("p", { class: "hint" }, `Cost ${usd(job.cost_usd)}`, job.batch_id ? ` · batch ${job.batch_id}` : ""),
    jobActions(job, rerender, note),
    note,
  );
  row.update = (event) => {
    bar.set(event.progress);
    stage.textContent = event.stage || "";
    message.textContent = event.message || "";
    if (event.status && !badge.textContent.includes(event.status)) badge.replaceChildren(statusBadge(event.status));
  };
  return row;
}

function filtersForm(params, apply) {
  const statuses = [["", "any"], "queued", "running", "succeeded", "failed", "cancelled"];
  const status = select("status", statuses, params.get("status") || "");
  const kind = select("kind", [["", "any"], "video", "short"], params.get("kind") || "");
  const batch = h("input", { name: "batch", value: params.get("batch") || "", placeholder: "batch id" });
  const ids = { status: "filter-status", kind: "filter-kind", batch: "filter-batch" };
  const controls = { status, kind, batch };
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter jobs" });
  for (const [name, control] of Object.entries(controls)) {
    control.id = ids[name];
    const label = h("label", { for: ids[name] }, name[0].toUpperCase() + name.slice(1));
    form.append(h("div", { class: "field" }, label, control));
  }
  form.append(h("button", { type: "submit", class: "secondary" }, "Filter"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) {
      if (control.value.trim()) query.set(name, control.value.trim());
    }
    apply(query);
  });
  for (const control of [status, kind]) control.addEventListener("change", () => form.requestSubmit());
  return form;
}

export async function jobsPage(root, navigate, params, signal) {
  const list = h("ul", { class: "jobs", "aria-label": "Jobs" });
  const streams = new Map();
  let shown = null;
  const render = async () => {
    const query = new URLSearchParams(params);
    query.set("limit", "50");
    const { jobs } = await api(`/v1/jobs?${query}`, { signal });
    const signature = jobs.map((j) => `${j.id}:${j.status}:${j.cancel_requested}`).join(",");
    if (signature === shown) {
      for (const job of jobs) if (!streams.has(job.id)) list.querySelector(`[data-job="${job.id}"]`)?.update(job);
      return;
    }
    shown = signature;
    const rows = jobs.map((job) => jobRow(job, () => render().catch(() => {})));
    list.replaceChildren(...rows);
    if (!jobs.length) list.append(h("li", { class: "hint" }, "No jobs match."));
    for (const row of rows) {
      const id = row.dataset.job;
      const job = jobs.find((j) => j.id === id);
      if (!OPEN.has(job.status) || streams.has(id) || streams.size >= MAX_STREAMS) continue;
      streams.set(id, row);
      followJob(id, ({ event, data }) => {
        const live = list.querySelector(`[data-job="${id}"]`);
        if (event === "progress" && live) live.update(data);
        if (event === "job") render().catch(() => {});
      }, { signal })
        .catch(() => {})
        .finally(() => streams.delete(id));
    }
  };
  root.replaceChildren(
    h("h1", {}, "Jobs"),
    filtersForm(params, (query) => navigate(`#/jobs?${query}`)),
    list,
  );
  await render();
  const timer = setInterval(() => render().catch(() => {}), 4000);
  signal.addEventListener("abort", () => clearInterval(timer));
}
