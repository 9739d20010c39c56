// DOM helpers: elements are built with textContent only (never as HTML strings), so API text can never
// become markup; errors are shown next to the control that caused them.

import { ApiError } from "./api.js";

let uid = 0;
export const nextId = (prefix = "f") => `${prefix}-${++uid}`;

/** h("button", {class: "primary", onclick: fn}, "Save") → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = Boolean(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const fmt = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));

/** A labelled control: returns {wrap, input, error}; the error slot is tied by aria-describedby. */
export function field(label, control, { hint, name } = {}) {
  const id = control.id || nextId("in");
  control.id = id;
  if (name) control.dataset.field = name;
  const error = h("div", { class: "field-error", id: `${id}-err`, role: "alert" });
  const hintEl = hint ? h("div", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintEl && hintEl.id, error.id].filter(Boolean).join(" "));
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, error);
  return { wrap, input: control, error };
}

export function setFieldError(f, message) {
  f.error.textContent = message || "";
  if (message) f.input.setAttribute("aria-invalid", "true");
  else f.input.removeAttribute("aria-invalid");
}

/** A readable sentence for an API error. */
export function describe(err) {
  if (!(err instanceof ApiError)) return "Something went wrong in the page: " + (err && err.message);
  const hints = {
    UNAUTHORIZED: "Your credential was refused — sign in again.",
    FORBIDDEN: null,
    SLOTS_FULL: "Every audience slot of your organization is in use. Pause or delete an active audience, or ask an administrator for more slots (orbit orgs set-slots), then activate again.",
    RATE_LIMITED: "Too many requests — wait a moment and try again.",
    OVERLOADED: "The server is busy — try again in a moment.",
    RUN_IN_PROGRESS: "This audience already has a queued or running run; wait for it to finish.",
    RUN_NOT_COMPLETED: "This run has not completed, so it has no results to read.",
  };
  const extra = hints[err.code];
  const base = `${err.message}`;
  return extra ? `${base} ${extra}` : base;
}

/** Shows an error in `slot` (an element with role=alert semantics) and returns it. */
export function showError(slot, err) {
  if (err && err.name === "AbortError") return slot;
  return clear(slot, h("div", { class: "error", role: "alert" }, h("strong", {}, codeLabel(err)), " ", describe(err)));
}

function codeLabel(err) {
  return err instanceof ApiError ? `${err.code}:` : "Error:";
}

/**
 * Puts each `{field, message}` problem of a 400 next to its control (`fields` maps the API's field
 * path prefix to a field() record); returns the problems that matched no control.
 */
export function showProblems(err, fields) {
  for (const f of Object.values(fields)) setFieldError(f, "");
  const rest = [];
  for (const p of err instanceof ApiError ? err.problems : []) {
    const key = Object.keys(fields).sort((a, b) => b.length - a.length).find((k) => p.field === k || p.field.startsWith(k + ".") || p.field.startsWith(k + "["));
    if (key) {
      setFieldError(fields[key], [fields[key].error.textContent, p.message].filter(Boolean).join(" "));
    } else rest.push(p);
  }
  const first = Object.values(fields).find((f) => f.input.getAttribute("aria-invalid") === "true");
  return { rest, first };
}

export function busy(text) {
  return h("div", { class: "busy", role: "status" }, h("progress", { "aria-label": text }), h("span", {}, text));
}

export function announce(text) {
  const el = document.getElementById("announce");
  if (el) el.textContent = text;
}

export function badge(status) {
  return h("span", { class: `badge ${status}` }, status);
}

/** Wraps an async loader so that a newer call aborts the older one and only the newest result lands. */
export function latest(fn) {
  let controller = null;
  return async (...args) => {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    try {
      return await fn(mine.signal, ...args);
    } finally {
      if (controller === mine) controller = null;
    }
  };
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// --- charts (Chart.js, vendored; see static/vendor/README.md) ---------------------------------

const PALETTE = ["#0b57d0", "#b3261e", "#146c2e", "#7a4f01", "#6f2da8", "#00696f", "#a8327a", "#38495c", "#c25400", "#3b6e00"];
const live = new WeakMap();

/** Draws (or redraws) a chart inside `box`; `label` is its accessible name. */
export function chart(box, label, config) {
  const old = live.get(box);
  if (old) old.destroy();
  const canvas = h("canvas", { role: "img", "aria-label": label });
  clear(box, canvas);
  if (!window.Chart) {
    clear(box, h("p", { class: "muted" }, "Chart library not loaded."));
    return null;
  }
  config.options = {
    responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: "bottom" } }, ...config.options,
  };
  (config.data.datasets || []).forEach((d, i) => {
    const c = d.color || PALETTE[i % PALETTE.length];
    d.borderColor = d.borderColor || c;
    d.backgroundColor = d.backgroundColor || (config.type === "bar" ? c : c + "33");
  });
  const instance = new window.Chart(canvas, config);
  live.set(box, instance);
  return instance;
}

export function barChart(box, label, buckets, { horizontal = true, color } = {}) {
  return chart(box, label, {
    type: "bar",
    data: { labels: buckets.map((b) => b.label), datasets: [{ label, data: buckets.map((b) => b.value), color }] },
    options: {
      indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } },
      // Every bar keeps its label (at most 10 buckets come back).
      scales: { [horizontal ? "y" : "x"]: { ticks: { autoSkip: false } } },
    },
  });
}

/** Moves focus to a freshly drawn screen's heading, for keyboard and screen-reader users. */
export function focusHeading(root) {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}
