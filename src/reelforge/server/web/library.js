// Library and spend: assets with thumbnails, filters and delete; spend per backend and day as an SVG chart,
// with a table of the same figures, and the budgets' headroom.

import { api } from "./api.js";
import { bytes, h, select, usd, when } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const PATTERNS = ["#1f5fbf", "#b5461a", "#2b7a3d", "#7a3fa0", "#8a6d00", "#00707a"];

function colour(index) {
  return PATTERNS[index % PATTERNS.length];
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function assetCard(asset, links, reload, note) {
  const thumb = links.thumbnail
    ? h("img", { src: links.thumbnail, alt: `Thumbnail of asset ${asset.id}`, loading: "lazy" })
    : h("div", { class: "no-thumb" }, "no thumbnail");
  const del = h("button", { type: "button", class: "danger", "aria-describedby": `asset-${asset.id}` }, "Delete");
  del.addEventListener("click", async () => {
    if (del.dataset.armed !== "yes") {
      del.dataset.armed = "yes";
      del.textContent = "Confirm delete";
      return;
    }
    try {
      await api(`/v1/assets/${asset.id}`, { method: "DELETE" });
      note.textContent = `Deleted asset ${asset.id}.`;
      reload();
    } catch (error) {
      note.textContent = error.message;
    }
  });
  const size = `${asset.width}×${asset.height}`;
  const facts = [size, `${asset.duration_s.toFixed(1)} s`, bytes(asset.size_bytes), usd(asset.cost_usd)];
  const download = links.video
    ? h("a", { class: "button secondary", href: links.video, download: `${asset.id}.mp4` }, "Download")
    : "";
  return h("li", { class: "asset card" }, thumb,
    h("p", { id: `asset-${asset.id}`, class: "mono" }, asset.id),
    h("p", {}, `${asset.kind} · ${asset.backend}${asset.model ? `/${asset.model}` : ""}`),
    h("p", { class: "hint" }, facts.join(" · ")),
    h("p", { class: "hint" }, when(asset.created_at)),
    h("div", { class: "actions" }, download, del));
}

async function assetsSection(signal) {
  const kind = select("kind", [["", "any"], "video", "image", "audio"], "");
  kind.id = "asset-kind";
  const list = h("ul", { class: "assets", "aria-label": "Assets" });
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const load = async () => {
    const query = new URLSearchParams({ limit: "60" });
    if (kind.value) query.set("kind", kind.value);
    const { assets } = await api(`/v1/assets?${query}`, { signal });
    const ids = assets.map((a) => `id=${encodeURIComponent(a.id)}`).join("&");
    const links = assets.length ? (await api(`/v1/ui/assets/links?${ids}`, { signal })).links : {};
    list.replaceChildren(...assets.map((a) => assetCard(a, links[a.id] || {}, load, note)));
    if (!assets.length) list.append(h("li", { class: "hint" }, "No assets."));
  };
  kind.addEventListener("change", () => load().catch((e) => (note.textContent = e.message)));
  await load();
  return h("section", { class: "card", "aria-labelledby": "assets-title" }, h("h2", { id: "assets-title" }, "Assets"),
    h("div", { class: "filters" }, h("div", { class: "field" }, h("label", { for: "asset-kind" }, "Kind"), kind)),
    note, list);
}

function chart(spend) {
  const width = 640, height = 200, pad = 36;
  const totals = spend.days.map((d) => spend.backends.reduce((s, b) => s + (spend.cost[b][d] || 0), 0));
  const top = Math.max(...totals, 0.01);
  const step = (width - pad) / spend.days.length;
  const bars = [];
  spend.days.forEach((day, i) => {
    let y = height - pad;
    spend.backends.forEach((b, j) => {
      const value = spend.cost[b][day] || 0;
      if (!value) return;
      const tall = ((height - 2 * pad) * value) / top;
      y -= tall;
      const box = { x: pad + i * step + 1, y, width: Math.max(step - 2, 1), height: tall, fill: colour(j) };
      bars.push(svg("rect", box, svg("title", {}, `${day} ${b}: ${usd(value)}`)));
    });
  });
  const axis = [svg("line", { x1: pad, y1: height - pad, x2: width, y2: height - pad, stroke: "currentColor" }),
    svg("text", { x: 2, y: pad, "font-size": "11", fill: "currentColor" }, Math.max(...totals) > 0 ? usd(top) : "$0"),
    svg("text", { x: pad, y: height - 8, "font-size": "11", fill: "currentColor" }, spend.days[0]),
    svg("text", { x: width - 70, y: height - 8, "font-size": "11", fill: "currentColor" }, spend.days.at(-1))];
  const title = `Spend per day and backend since ${spend.since}: ${usd(spend.total_usd)} in all`;
  const box = { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-labelledby": "chart-title" };
  return svg("svg", box, svg("title", { id: "chart-title" }, title), ...axis, ...bars);
}

function spendTable(spend) {
  const rows = [];
  for (const b of spend.backends) for (const [day, cost] of Object.entries(spend.cost[b])) rows.push([day, b, cost]);
  rows.sort((a, b) => (a[0] < b[0] ? 1 : -1));
  if (!rows.length) return h("p", { class: "hint" }, "Nothing spent in this period.");
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Spend per day and backend" },
    h("table", {}, h("thead", {}, h("tr", {}, ["Day", "Backend", "Cost"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map(([d, b, c], i) => h("tr", {}, h("td", {}, d),
        h("td", {}, h("span", { class: "swatch", style: `background:${colour(spend.backends.indexOf(b))}` }), ` ${b}`),
        h("td", {}, usd(c)))))));
}

function headroom(label, room) {
  if (room.limit_usd === null) return h("li", {}, `${label}: no limit (spent ${usd(room.spent_usd)})`);
  return h("li", {}, `${label}: ${usd(room.left_usd)} left of ${usd(room.limit_usd)} (spent ${usd(room.spent_usd)}) `,
    h("meter", {
      min: "0", max: String(room.limit_usd), value: String(room.spent_usd), "aria-label": `${label}: spent`,
    }));
}

async function spendSection(signal) {
  const spend = await api("/v1/ui/spend?days=30", { signal });
  const legend = h("ul", { class: "legend", "aria-label": "Backends" }, spend.backends.map((b, j) =>
    h("li", {}, h("span", { class: "swatch", style: `background:${colour(j)}` }), ` ${b}`)));
  return h("section", { class: "card", "aria-labelledby": "spend-title" }, h("h2", { id: "spend-title" }, "Spend"),
    h("p", {}, `Last 30 days: ${usd(spend.total_usd)}`), chart(spend), legend,
    h("h3", {}, "Budgets"),
    h("ul", { class: "budgets" }, headroom("Today", spend.daily), headroom("This month", spend.monthly),
      h("li", {}, `Per request: ${spend.per_request_usd === null ? "no limit" : usd(spend.per_request_usd)}`)),
    h("h3", {}, "By day and backend"), spendTable(spend));
}

export async function libraryPage(root, navigate, params, signal) {
  const [assets, spend] = await Promise.all([assetsSection(signal), spendSection(signal)]);
  root.replaceChildren(h("h1", {}, "Library and spend"), spend, assets);
}
