// Batches: upload a JSON Lines file (one job a line), see each refused line and why, follow the batch.

import { api } from "./api.js";
import { field, h, progressBar } from "./dom.js";

/** One line -> a batch item: {"kind", "request", ...} as the API takes it, or a bare request. */
function toItem(data) {
  if (data && typeof data === "object" && !Array.isArray(data) && "request" in data) return data;
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("a line must be a JSON object");
  const { kind, ...request } = data;
  return { kind: kind || (request.topic || request.script_text ? "short" : "video"), request };
}

export function parseLines(text) {
  const items = [], lines = [], errors = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      items.push(toItem(JSON.parse(raw)));
      lines.push(i + 1);
    } catch (error) {
      errors.push({ line: i + 1, problem: error.message });
    }
  });
  return { items, lines, errors };
}

function errorTable(errors) {
  if (!errors.length) return h("p", {}, "Every line was accepted.");
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Refused lines" },
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Problem"))),
      h("tbody", {}, errors.map((e) => h("tr", {}, h("td", {}, String(e.line)), h("td", {}, e.problem))))));
}

async function followBatch(id, box, signal) {
  const bar = progressBar(0, `Progress of batch ${id}`);
  const counts = h("p", { "aria-live": "polite" });
  box.replaceChildren(h("h3", {}, "Batch ", h("a", { href: `#/jobs?batch=${id}`, class: "mono" }, id)), bar, counts);
  while (!signal.aborted) {
    const batch = await api(`/v1/batches/${id}`, { signal });
    const done = ["succeeded", "failed", "cancelled"].reduce((n, k) => n + (batch.counts[k] || 0), 0);
    bar.set(batch.accepted ? done / batch.accepted : 1);
    const parts = Object.entries(batch.counts).map(([k, v]) => `${k}: ${v}`);
    counts.textContent = [...parts, batch.finished ? "finished" : "running"].join(" · ");
    if (batch.finished) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function batchesPage(root, navigate, params, signal) {
  const input = h("input", { type: "file", name: "batch", accept: ".jsonl,.ndjson,.json,.txt" });
  const hint = 'One job a line: {"prompt": "..."} or {"kind": "short", "request": {"topic": "..."}}';
  const file = field("JSON Lines file", input, hint);
  const result = h("div", { "aria-live": "polite" });
  const progress = h("div", {});
  const form = h("form", { class: "card", "aria-labelledby": "batch-title" },
    h("h2", { id: "batch-title" }, "Submit a batch"),
    file.wrap, h("div", { class: "actions" }, h("button", { type: "submit" }, "Submit batch")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    file.error.textContent = "";
    const chosen = file.control.files[0];
    if (!chosen) return (file.error.textContent = "Choose a JSON Lines file first.");
    const { items, lines, errors } = parseLines(await chosen.text());
    const total = items.length + errors.length;
    if (!items.length) return result.replaceChildren(errorTable(errors));
    try {
      const batch = await api("/v1/batches", { method: "POST", body: { items } });
      for (const e of batch.errors) {
        const problem = Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join("; ");
        errors.push({ line: lines[e.index], problem });
      }
      errors.sort((a, b) => a.line - b.line);
      result.replaceChildren(h("p", {}, `Accepted ${batch.accepted} of ${total} lines.`), errorTable(errors));
      followBatch(batch.id, progress, signal).catch(() => {});
    } catch (error) {
      for (const [key, problem] of Object.entries(error.fields)) {
        const m = /^items\.(\d+)/.exec(key);
        errors.push({ line: m ? lines[Number(m[1])] : key, problem });
      }
      result.replaceChildren(h("p", { class: "form-error" }, error.message), errorTable(errors));
    }
  });
  const outcome = h("section", { class: "card", "aria-label": "Batch result" }, result, progress);
  root.replaceChildren(h("h1", {}, "Batches"), form, outcome);
}
