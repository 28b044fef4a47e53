// The REST API from the browser: bearer token from sessionStorage, the error envelope, SSE over fetch.

const TOKEN_KEY = "reelforge.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API: status, type, message and field-level problems. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `the server answered ${status}`);
    this.status = status;
    this.type = error.type || "HTTPError";
    this.fields = error.fields || {};
  }
}

function headers(extra) {
  const out = { ...extra };
  const token = getToken();
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

/** Call the API; resolves to the JSON body (null for 204), rejects with ApiError. */
export async function api(path, { method = "GET", body, file, signal } = {}) {
  const init = { method, headers: headers({}), signal };
  if (file !== undefined) {
    init.headers["Content-Type"] = "application/octet-stream";
    init.body = file;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("rf-unauthorized", { detail: error }));
    throw error;
  }
  return data;
}

function parseBlock(block) {
  const event = { event: "message", data: "", id: null };
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const at = line.indexOf(":");
    const key = at < 0 ? line : line.slice(0, at);
    let value = at < 0 ? "" : line.slice(at + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (key === "data") data.push(value);
    else if (key === "event") event.event = value;
    else if (key === "id") event.id = value;
  }
  if (!data.length) return null;
  event.data = data.join("\n");
  return event;
}

/**
 * Follow a job's progress: calls onEvent({event, data}) for each Server-Sent Event until the server ends the
 * stream (the job ended) or `signal` aborts. fetch, not EventSource, so the bearer token goes along.
 */
export async function followJob(jobId, onEvent, { after = 0, signal } = {}) {
  const response = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events?after=${after}`, {
    headers: headers({ Accept: "text/event-stream" }),
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = parseBlock(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (event) onEvent({ ...event, data: JSON.parse(event.data) });
    }
  }
}

/** Upload one file; resolves to the upload record ({id, ...}). */
export function upload(file) {
  return api(`/v1/uploads?filename=${encodeURIComponent(file.name)}`, { method: "POST", file });
}
