// One audience: its settings, activate/pause, run now, and its runs with live status.

import { api } from "./api.js";
import { h, clear, fmt, badge, showError, describe } from "./ui.js";

const POLL_MS = 1500;

export async function render(root, [id]) {
  let { data: audience } = await api(`/v1/intent/audiences/${id}`);
  const info = h("div");
  const runs = h("div", { "aria-live": "polite" });
  const msg = h("div", { "aria-live": "polite" });
  let timer = null;
  let stopped = false;

  function drawInfo() {
    const c = audience.normalizedConfig;
    const filters = Object.keys(c.filters || {});
    const toggle = audience.status === "active"
      ? h("button", { type: "button", onclick: () => setStatus("paused") }, "Pause")
      : h("button", { type: "button", onclick: () => setStatus("active") }, "Activate");
    clear(info,
      h("h1", {}, audience.name, " ", badge(audience.status)),
      h("dl", { class: "kv" },
        h("dt", {}, "Topics"), h("dd", {}, audience.topics.map((t) => t.name).join(", ")),
        h("dt", {}, "Scores"), h("dd", {}, `${c.minScore}–${c.maxScore}, overlap ≥ ${c.minTopicOverlap}`),
        h("dt", {}, "Filters"), h("dd", {}, filters.length ? filters.join(", ") : "none"),
        h("dt", {}, "Size"), h("dd", {}, fmt(audience.audienceSize)),
        h("dt", {}, "Daily refresh"), h("dd", {}, audience.dailyRefreshEnabled ? "on (holds a slot)" : "off")),
      h("div", { class: "row" },
        h("a", { class: "button", href: `#/build/${audience.id}` }, "Edit"),
        toggle,
        h("button", { type: "button", class: "primary", onclick: runNow }, "Run now"),
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete")),
      msg);
  }

  async function setStatus(status) {
    clear(msg);
    try {
      audience = (await api(`/v1/intent/audiences/${id}`, { method: "PATCH", body: { status } })).data;
      drawInfo();
      clear(msg, h("div", { class: "success" }, status === "active" ? "Active: its first run is queued and it refreshes daily." : "Paused: its slot is free."));
      loadRuns();
    } catch (err) {
      showError(msg, err);
    }
  }

  async function runNow() {
    clear(msg);
    try {
      await api(`/v1/intent/audiences/${id}/runs`, { method: "POST", body: { runType: "manual" } });
      clear(msg, h("div", { class: "success" }, "Run queued."));
      loadRuns();
    } catch (err) {
      showError(msg, err);
    }
  }

  async function remove() {
    if (!window.confirm(`Delete “${audience.name}” with its runs and exports?`)) return;
    try {
      await api(`/v1/intent/audiences/${id}`, { method: "DELETE" });
      location.hash = "#/audiences";
    } catch (err) {
      showError(msg, err);
    }
  }

  async function loadRuns() {
    clearTimeout(timer);
    try {
      const { data } = await api(`/v1/intent/audiences/${id}/runs`, { query: { limit: 25 } });
      clear(runs, data.length ? h("div", { class: "table-wrap" }, h("table", {},
        h("caption", { class: "hint" }, "Runs, newest first — the status updates by itself"),
        h("thead", {}, h("tr", {}, ["Run", "Status", "Type", "Data date", "People", "Candidates", "Completed"].map((c, i) => h("th", { scope: "col", class: i > 3 && i < 6 ? "num" : null }, c)))),
        h("tbody", {}, data.map((r) => h("tr", { dataset: { runId: r.id, status: r.status } },
          h("td", {}, h("a", { href: `#/audiences/${id}/runs/${r.id}` }, r.id.slice(0, 8))),
          h("td", {}, badge(r.status), r.errorMessage ? h("div", { class: "field-error" }, r.errorMessage) : null),
          h("td", {}, r.runType), h("td", {}, r.dataDate),
          h("td", { class: "num" }, fmt(r.resultCount)), h("td", { class: "num" }, fmt(r.candidateCount)),
          h("td", {}, r.completedAt || "—")))))) : h("p", {}, "No run yet: activate the audience or run it now."));
      if (!stopped && data.some((r) => r.status === "queued" || r.status === "running")) timer = setTimeout(loadRuns, POLL_MS);
    } catch (err) {
      clear(runs, h("div", { class: "error", role: "alert" }, describe(err)));
    }
  }

  drawInfo();
  clear(root, h("section", { class: "panel" }, info), h("section", { class: "panel", "aria-labelledby": "runs-h" }, h("h2", { id: "runs-h" }, "Runs"), runs));
  await loadRuns();
  return () => { stopped = true; clearTimeout(timer); };
}
