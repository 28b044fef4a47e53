// Create: the video form (uploads, backend readiness and price rule, estimate with snapped values) and the
// short form. Both show the API's field errors next to their fields.

import { api, upload } from "./api.js";
import { clearErrors, field, h, select, showErrors, usd } from "./dom.js";

const ASPECTS = ["", "16:9", "9:16", "1:1", "4:3", "3:4", "21:9"];
const UPLOADS = [
  ["image", "Image (first frame)", "image/*"],
  ["last_frame", "Last frame", "image/*"],
  ["video", "Input video", "video/*"],
  ["audio", "Audio", "audio/*"],
];

function uploadField(name, label, accept, ids) {
  const input = h("input", { type: "file", name, accept });
  const f = field(label, input);
  const state = h("p", { class: "hint", "aria-live": "polite" });
  f.wrap.append(state);
  input.addEventListener("change", async () => {
    delete ids[name];
    f.error.textContent = "";
    const file = input.files[0];
    if (!file) return (state.textContent = "");
    state.textContent = `Uploading ${file.name}…`;
    try {
      ids[name] = (await upload(file)).id;
      state.textContent = `Uploaded ${file.name} (${ids[name]})`;
    } catch (error) {
      state.textContent = "";
      f.error.textContent = error.fields.file || error.message;
    }
  });
  return f;
}

function videoBody(fields, ids) {
  const body = { backend: fields.backend.control.value || "auto" };
  const text = (name) => fields[name].control.value.trim();
  const num = (name) => (text(name) === "" ? undefined : Number(text(name)));
  body.prompt = fields.prompt.control.value;
  if (text("model")) body.model = text("model");
  if (text("aspect_ratio")) body.aspect_ratio = text("aspect_ratio");
  if (text("resolution")) body.resolution = text("resolution");
  for (const name of ["duration_s", "seed", "max_cost_usd"]) if (num(name) !== undefined) body[name] = num(name);
  for (const [name] of UPLOADS) if (ids[name]) body[name] = ids[name];
  if (ids.image && !body.operation) body.operation = ids.video ? "video-to-video" : "image-to-video";
  else if (ids.video) body.operation = "video-to-video";
  return body;
}

function describeEstimate(e) {
  const price = `${usd(e.estimated_usd)}${e.price_rule ? ` (${e.price_rule})` : ""}`;
  const parts = [price, `${e.backend}/${e.model || "-"}`, e.operation];
  if (e.width) parts.push(`${e.width}×${e.height}`);
  if (e.fps) parts.push(`${e.fps} fps`);
  if (e.num_frames) parts.push(`${e.num_frames} frames`);
  if (e.duration_s) parts.push(`${e.duration_s} s`);
  return `Estimate: ${parts.join(" · ")}`;
}

function backendPicker(backends) {
  const options = [["auto", "auto (the server's default)"]];
  for (const b of backends) options.push([b.name, `${b.name} — ${b.configured ? "ready" : "not configured"}`]);
  const backend = field("Backend", select("backend", options, "auto"));
  const model = field("Model", h("select", { name: "model" }));
  const info = h("p", { class: "hint", "aria-live": "polite" });
  backend.wrap.append(info);
  const refresh = () => {
    const chosen = backends.find((b) => b.name === backend.control.value);
    model.control.replaceChildren(h("option", { value: "" }, "default"));
    if (!chosen) return (info.textContent = "The server picks its default backend.");
    for (const m of chosen.models) model.control.append(h("option", { value: m.name }, m.name));
    const rules = chosen.models.map((m) => `${m.name}: ${m.price_rule || "price unknown"}; ${m.durations_s} s`);
    const ready = chosen.configured ? "Ready." : `Not configured: ${chosen.why_not || "see the server's config"}.`;
    info.textContent = `${ready} ${rules.join(" | ")}`;
  };
  backend.control.addEventListener("change", refresh);
  refresh();
  return { backend, model };
}

export async function videoForm(navigate) {
  const ids = {};
  const backends = (await api("/v1/backends")).backends;
  const { backend, model } = backendPicker(backends);
  const fields = {
    prompt: field("Prompt", h("textarea", { name: "prompt", rows: "3" })),
    backend,
    model,
    duration_s: field("Duration (s)", h("input", { name: "duration_s", type: "number", min: "0", step: "any" })),
    aspect_ratio: field("Aspect", select("aspect_ratio", ASPECTS, "")),
    resolution: field("Resolution", h("input", { name: "resolution", placeholder: "720p or 1280x720" })),
    seed: field("Seed", h("input", { name: "seed", type: "number", min: "0", step: "1" })),
    max_cost_usd: field("Max cost (USD)", h("input", { name: "max_cost_usd", type: "number", min: "0", step: "any" })),
  };
  for (const [name, label, accept] of UPLOADS) fields[name] = uploadField(name, label, accept, ids);
  const summary = h("p", { class: "form-error", role: "alert" });
  const estimate = h("div", { class: "estimate", "aria-live": "polite" });
  const estimateOnce = async () => {
    clearErrors(fields, summary);
    try {
      const e = await api("/v1/estimate", { method: "POST", body: videoBody(fields, ids) });
      const warnings = e.warnings.map((w) => h("p", { class: "warn" }, `⚠ Snapped: ${w}`));
      estimate.replaceChildren(h("p", {}, describeEstimate(e)), ...warnings);
      return true;
    } catch (error) {
      estimate.replaceChildren();
      showErrors(fields, error, summary);
      return false;
    }
  };
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "video-title", novalidate: true },
    h("h2", { id: "video-title" }, "Video"),
    h("div", { class: "grid" }, Object.values(fields).map((f) => f.wrap)),
    estimate,
    summary,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: estimateOnce }, "Estimate"),
      h("button", { type: "submit" }, "Generate")),
  );
  let timer = null;
  form.addEventListener("change", () => {
    clearTimeout(timer);
    if (fields.prompt.control.value.trim()) timer = setTimeout(estimateOnce, 300);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    if (!(await estimateOnce())) return;
    try {
      const job = await api("/v1/videos", { method: "POST", body: videoBody(fields, ids) });
      navigate(`#/jobs/${job.id}`);
    } catch (error) {
      showErrors(fields, error, summary);
    }
  });
  return form;
}

const SHORT_SELECTS = {
  aspect_ratio: ["Aspect", ["", "9:16", "16:9", "1:1"]],
  tts: ["Voice engine", ["", "piper", "espeak", "edge", "openai", "elevenlabs"]],
  visuals: ["Visuals", ["", "library", "pexels", "pixabay", "generate"]],
  captions: ["Captions", ["", "karaoke", "word", "sentence", "none"]],
  upload: ["Upload to", [["", "nowhere"], ["youtube", "YouTube"], ["tiktok", "TikTok"]]],
};

const SCRIPT_TYPES = ".txt,.md,.json,.yaml,.yml";

function number(name, min, step) {
  return h("input", { name, type: "number", min, step });
}

function shortBody(fields, script) {
  const body = {};
  for (const [name, f] of Object.entries(fields)) {
    const value = f.control.value.trim();
    if (!value || f.control.type === "file") continue;
    body[name] = ["target_duration_s", "resolution"].includes(name) ? Number(value) : value;
  }
  if (!body.script_text && script.text) body.script_text = script.text;
  if (body.upload) body.publish = [{ to: body.upload }]; // publishing is the job's own step after the render
  delete body.upload;
  return body;
}

export function shortForm(navigate) {
  const script = { text: "" };
  const fields = {
    topic: field("Topic", h("input", { name: "topic", type: "text" })),
    script_text: field("Script text", h("textarea", { name: "script_text", rows: "3" }), "Instead of a topic"),
    script_file: field("Script file", h("input", { type: "file", name: "script_file", accept: SCRIPT_TYPES })),
    language: field("Language", h("input", { name: "language", value: "en" })),
    voice: field("Voice", h("input", { name: "voice" })),
    music: field("Music mood", h("input", { name: "music", placeholder: "a mood, or none" })),
    caption_style: field("Caption style", h("input", { name: "caption_style" })),
    target_duration_s: field("Target duration (s)", number("target_duration_s", "1", "any")),
    resolution: field("Resolution (px, short side)", number("resolution", "144", "1")),
  };
  for (const [name, [label, options]] of Object.entries(SHORT_SELECTS)) {
    fields[name] = field(label, select(name, options, ""));
  }
  fields.script_file.control.addEventListener("change", async () => {
    const file = fields.script_file.control.files[0];
    script.text = file ? await file.text() : "";
  });
  const summary = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "short-title", novalidate: true },
    h("h2", { id: "short-title" }, "Short"),
    h("div", { class: "grid" }, Object.values(fields).map((f) => f.wrap)),
    summary,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Make short")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields, summary);
    try {
      const job = await api("/v1/shorts", { method: "POST", body: shortBody(fields, script) });
      navigate(`#/jobs/${job.id}`);
    } catch (error) {
      showErrors(fields, { message: error.message, fields: aliasRequest(error.fields) }, summary);
    }
  });
  return form;
}

// "give a topic, a script file or script_text" concerns the whole request: show it by the topic
function aliasRequest(problems) {
  const { request, ...rest } = problems || {};
  return request ? { topic: request, ...rest } : rest;
}

export async function createPage(root, navigate) {
  root.replaceChildren(h("h1", {}, "Create"), await videoForm(navigate), shortForm(navigate));
}
