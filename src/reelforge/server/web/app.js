// The page: hash routes (#/create, #/jobs, #/jobs/<id>, #/library, #/batches), sign-in, navigation.

import { ApiError, api, getToken, setToken } from "./api.js";
import { batchesPage } from "./batches.js";
import { createPage } from "./create.js";
import { field, h } from "./dom.js";
import { jobPage } from "./job.js";
import { jobsPage } from "./jobs.js";
import { libraryPage } from "./library.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav-links");
const account = document.getElementById("account");
let current = null; // AbortController of the page on screen
let signingIn = false;

const PAGES = [
  ["#/create", "Create"],
  ["#/jobs", "Jobs"],
  ["#/library", "Library and spend"],
  ["#/batches", "Batches"],
];

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signInPage(reason) {
  const token = field("API token", h("input", { type: "password", name: "token", autocomplete: "current-password" }),
    "Kept for this browser tab's session only.");
  if (reason) token.error.textContent = reason;
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    h("p", {}, "This server needs an API token."),
    token.wrap,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken(token.control.value.trim());
    signingIn = true;
    try {
      await api("/v1/jobs?limit=1");
      signingIn = false;
      renderAccount();
      navigate(location.hash && !location.hash.startsWith("#/signin") ? location.hash : "#/create");
    } catch (error) {
      signingIn = false;
      setToken(null);
      token.error.textContent = error.status === 401 ? "That token was refused." : error.message;
      token.control.setAttribute("aria-invalid", "true");
      token.control.focus();
    }
  });
  main.replaceChildren(form);
  token.control.focus();
}

function renderAccount() {
  account.replaceChildren();
  if (!getToken()) return;
  const out = h("button", { type: "button", class: "secondary small" }, "Sign out");
  out.addEventListener("click", () => {
    setToken(null);
    renderAccount();
    signInPage();
  });
  account.append(out);
}

function renderNav(hash) {
  nav.replaceChildren(...PAGES.map(([href, label]) =>
    h("li", {}, h("a", { href, "aria-current": hash.startsWith(href) ? "page" : undefined }, label))));
}

async function route() {
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const [path, query = ""] = (location.hash || "#/create").split("?");
  const params = new URLSearchParams(query);
  renderNav(path);
  main.setAttribute("aria-busy", "true");
  try {
    const job = /^#\/jobs\/(.+)$/.exec(path);
    if (job) await jobPage(main, navigate, decodeURIComponent(job[1]), signal);
    else if (path === "#/jobs") await jobsPage(main, navigate, params, signal);
    else if (path === "#/library") await libraryPage(main, navigate, params, signal);
    else if (path === "#/batches") await batchesPage(main, navigate, params, signal);
    else await createPage(main, navigate);
    const title = PAGES.find(([href]) => path.startsWith(href))?.[1] || "Create";
    document.title = `${title} · reelforge`;
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof ApiError && error.status === 401) return signInPage();
    const problem = h("p", { class: "form-error", role: "alert" }, error.message);
    main.replaceChildren(h("h1", {}, "Something went wrong"), problem);
  } finally {
    main.removeAttribute("aria-busy");
  }
}

window.addEventListener("rf-unauthorized", () => {
  if (signingIn) return;
  const had = getToken();
  setToken(null);
  renderAccount();
  current?.abort();
  signInPage(had ? "Sign in again: the token was refused." : "");
});
window.addEventListener("hashchange", route);
renderAccount();
route();
