// Entry point: hash routes → screens. Each screen module exports `render(root, params)` and may
// return a cleanup function (timers, pending requests) called when the route changes.

import { api, credential, setCredential, signOut, ApiError } from "./api.js";
import { h, clear, field, setFieldError, describe, focusHeading, busy, fmt } from "./ui.js";

// Route table: [pattern, module, needs credentials]. A later screen (suppression lists, #/suppressions)
// is one module plus one line here and one nav link in index.html.
const ROUTES = [
  [/^#\/topics$/, "./topics.js", false],
  [/^#\/site$/, "./site.js", false],
  [/^#\/build(?:\/([\w-]+))?$/, "./builder.js", true],
  [/^#\/audiences$/, "./audiences.js", true],
  [/^#\/audiences\/([\w-]+)$/, "./audience.js", true],
  [/^#\/audiences\/([\w-]+)\/runs\/([\w-]+)$/, "./run.js", true],
  [/^#\/webhooks$/, "./webhooks.js", true],
  [/^#\/suppression$/, "./suppression.js", true],
  [/^#\/account$/, null, true],
  [/^#\/signin$/, null, false],
];

const main = document.getElementById("main");
let cleanup = null;
let navigation = 0; // increases with every route change
export const session = { account: null };

async function loadAccount() {
  if (!credential()) {
    session.account = null;
    return null;
  }
  const { data } = await api("/v1/intent/account");
  session.account = data;
  return data;
}

function drawWho() {
  const who = document.getElementById("who");
  const a = session.account;
  if (!a) {
    clear(who, h("a", { href: "#/signin", class: "button" }, "Sign in"));
    return;
  }
  clear(who,
    h("span", {}, a.organization.name),
    h("button", { type: "button", onclick: () => { signOut(); session.account = null; drawWho(); location.hash = "#/signin"; } }, "Sign out"));
}

function markNav(hash) {
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (hash.startsWith("#/" + a.dataset.nav)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function signInScreen(root, next) {
  const kind = h("select", {},
    h("option", { value: "key" }, "API key (X-API-Key)"),
    h("option", { value: "bearer" }, "Bearer token (JWT)"));
  const secret = h("input", { type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const kindF = field("Credential type", kind);
  const secretF = field("API key or token", secret, {
    name: "credential",
    hint: "Kept in this browser tab only (session storage) and sent in a request header — never in a URL. Closing the tab signs you out.",
  });
  const status = h("div");
  const form = h("form", { class: "panel signin", novalidate: true },
    h("h1", {}, "Sign in to Orbit"),
    h("p", {}, "Topic discovery works without signing in; audiences, runs and exports belong to your organization."),
    kindF.wrap, secretF.wrap,
    h("button", { type: "submit", class: "primary" }, "Sign in"), status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = secret.value.trim();
    if (!value) {
      setFieldError(secretF, "Enter your API key or token.");
      secret.focus();
      return;
    }
    setFieldError(secretF, "");
    setCredential(kind.value, value);
    clear(status, busy("Checking your credential…"));
    try {
      await loadAccount();
      secret.value = "";
      drawWho();
      location.hash = next && next !== "#/signin" ? next : "#/topics";
    } catch (err) {
      signOut();
      session.account = null;
      clear(status);
      setFieldError(secretF, describe(err));
      secret.focus();
    }
  });
  clear(root, form);
  secret.focus();
}

function accountScreen(root) {
  const a = session.account;
  const org = a.organization;
  clear(root, h("section", { class: "panel" },
    h("h1", {}, "Account"),
    h("dl", { class: "kv" },
      h("dt", {}, "Organization"), h("dd", {}, org.name),
      h("dt", {}, "Organization id"), h("dd", { class: "mono" }, org.id),
      h("dt", {}, "Audience slots"), h("dd", {}, fmt(org.audienceSlots)),
      h("dt", {}, "Signed in with"), h("dd", {}, a.principal.kind === "api_key" ? "an API key" : "a bearer token")),
    h("p", { class: "hint" }, "An active audience holds one slot and is refreshed daily; drafts and paused audiences hold none.")));
}

async function route() {
  navigation += 1;
  if (cleanup) {
    try { cleanup(); } catch { /* a screen's cleanup never blocks navigation */ }
    cleanup = null;
  }
  const hash = location.hash || (credential() ? "#/audiences" : "#/topics");
  markNav(hash);
  document.getElementById("nav").classList.remove("open");
  document.getElementById("menu-toggle").setAttribute("aria-expanded", "false");
  const found = ROUTES.map(([re, mod, auth]) => [re.exec(hash), mod, auth]).find(([m]) => m);
  if (!found) {
    clear(main, h("section", { class: "panel" }, h("h1", {}, "Not found"), h("p", {}, "No such screen. "), h("a", { href: "#/topics" }, "Go to topics")));
    focusHeading(main);
    return;
  }
  const [match, mod, auth] = found;
  if (hash === "#/signin" || (auth && !session.account)) {
    signInScreen(main, hash === "#/signin" ? sessionStorage.getItem("orbit.next") : hash);
    if (hash !== "#/signin") sessionStorage.setItem("orbit.next", hash);
    return;
  }
  if (!mod) {
    accountScreen(main);
    focusHeading(main);
    return;
  }
  clear(main, busy("Loading…"));
  // Each screen draws into its own container, shown only if no newer navigation happened while
  // it loaded: a slow screen can never overwrite the one the person moved on to.
  const mine = ++navigation;
  const view = h("div");
  try {
    const screen = await import(mod);
    const done = (await screen.render(view, match.slice(1), session)) || null;
    if (mine !== navigation) {
      if (done) done();
      return;
    }
    cleanup = done;
    clear(main, view);
    focusHeading(main);
  } catch (err) {
    if (mine !== navigation) return;
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      session.account = null;
      drawWho();
      signInScreen(main, hash);
      return;
    }
    clear(main, h("section", { class: "panel" }, h("h1", {}, "Could not load this screen"), h("div", { class: "error", role: "alert" }, describe(err))));
  }
}

async function start() {
  const toggle = document.getElementById("menu-toggle");
  toggle.addEventListener("click", () => {
    const nav = document.getElementById("nav");
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  try {
    await loadAccount();
  } catch {
    signOut();
    session.account = null;
  }
  drawWho();
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "true";
}

start();
