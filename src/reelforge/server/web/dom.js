// Small DOM helpers: element builder, field errors, formatting.

/** h("div", {class: "x", onclick: fn}, child, "text") */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let uid = 0;

/** A labelled control with a place for its error: returns {wrap, control, error}. */
export function field(label, control, hint) {
  const id = control.id || `f${++uid}`;
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const hintNode = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintNode ? `${id}-hint` : "", `${id}-error`].join(" ").trim());
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), control, hintNode, error);
  return { wrap, control, error };
}

export function select(name, options, value) {
  const node = h("select", { name });
  for (const option of options) {
    const [val, text] = Array.isArray(option) ? option : [option, option || "default"];
    node.append(h("option", { value: val, selected: val === value }, text));
  }
  return node;
}

/** Show the API's field errors next to their fields; the rest (and the message) in `summary`. */
export function showErrors(fields, error, summary) {
  clearErrors(fields, summary);
  const rest = [];
  for (const [key, problem] of Object.entries(error.fields || {})) {
    const name = key.split(".")[0];
    const target = fields[key] || fields[name];
    if (target) {
      target.error.textContent = problem;
      target.control.setAttribute("aria-invalid", "true");
    } else rest.push(`${key}: ${problem}`);
  }
  summary.textContent = rest.length || !Object.keys(error.fields || {}).length ? rest.join("; ") || error.message : "";
  const first = Object.values(fields).find((f) => f.control.getAttribute("aria-invalid") === "true");
  if (first) first.control.focus();
}

export function clearErrors(fields, summary) {
  for (const f of Object.values(fields)) {
    f.error.textContent = "";
    f.control.removeAttribute("aria-invalid");
  }
  if (summary) summary.textContent = "";
}

export function usd(value) {
  if (value === null || value === undefined) return "unknown";
  return `$${Number(value).toFixed(value && value < 0.01 ? 4 : 2)}`;
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function bytes(n) {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** A progress bar with its percentage written out (the state never rests on colour alone). */
export function progressBar(value, label) {
  const bar = h("progress", { max: "100", value: String(Math.round((value || 0) * 100)), "aria-label": label });
  const text = h("span", { class: "pct" }, `${Math.round((value || 0) * 100)} %`);
  const wrap = h("div", { class: "progress" }, bar, text);
  wrap.set = (v) => {
    const pct = Math.round((v || 0) * 100);
    bar.value = pct;
    text.textContent = `${pct} %`;
  };
  return wrap;
}

export function statusBadge(status) {
  const icons = { queued: "◷", running: "▶", succeeded: "✓", failed: "✗", cancelled: "■" };
  return h("span", { class: `badge status-${status}` }, `${icons[status] || ""} ${status}`);
}

function copyBySelection(text) {
  // pages served over plain http beyond localhost have no navigator.clipboard
  const area = h("textarea", { "aria-hidden": "true", class: "offscreen", readonly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  const done = document.execCommand("copy");
  area.remove();
  if (!done) throw new Error("copy refused");
}

export async function copyText(text, button) {
  try {
    if (navigator.clipboard) await navigator.clipboard.writeText(text);
    else copyBySelection(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => (button.textContent = "Copy"), 1500);
}
