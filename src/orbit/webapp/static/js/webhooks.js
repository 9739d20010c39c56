// Webhook endpoints: list, register (secret shown once), ping, recent deliveries, delete.

import { api } from "./api.js";
import { h, clear, field, showError, showProblems, badge, fmt } from "./ui.js";

const EVENTS = ["run.completed", "run.failed", "export.completed", "audience.changes_ready"];

export async function render(root) {
  const list = h("div");
  const url = h("input", { type: "url", placeholder: "https://crm.example.com/hooks/orbit" });
  const urlF = field("Endpoint URL", url, { name: "url", hint: "https only, on a public address." });
  const desc = h("input", { type: "text", maxlength: 500 });
  const descF = field("Description", desc, { name: "description" });
  const boxes = EVENTS.map((e) => h("input", { type: "checkbox", value: e, checked: e === "run.completed" }));
  const eventsErr = h("div", { class: "field-error", role: "alert" });
  const evF = { input: boxes[0], error: eventsErr };
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "Register an endpoint"), urlF.wrap, descF.wrap,
    h("fieldset", {}, h("legend", {}, "Events"), boxes.map((b) => h("label", { class: "row" }, b, b.value)), eventsErr),
    h("button", { type: "submit", class: "primary" }, "Register"), msg);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      const { data } = await api("/v1/intent/webhooks", { method: "POST", body: {
        url: url.value.trim(), description: desc.value, events: boxes.filter((b) => b.checked).map((b) => b.value) } });
      showProblems(null, { url: urlF, description: descF, events: evF });
      clear(msg, h("div", { class: "success" }, "Registered. Its signing secret is shown this once — store it now: ",
        h("code", {}, data.secret)));
      url.value = "";
      load();
    } catch (err) {
      const { rest } = showProblems(err, { url: urlF, description: descF, events: evF });
      if (!err.problems || !err.problems.length || rest.length) showError(msg, err);
    }
  });

  async function load() {
    try {
      const { data } = await api("/v1/intent/webhooks", { query: { limit: 100 } });
      clear(list, data.length ? h("ul", { class: "list", "aria-label": "Webhook endpoints" }, data.map(endpoint)) : h("p", {}, "No endpoint yet."));
    } catch (err) {
      showError(list, err);
    }
  }

  function endpoint(w) {
    const out = h("div", { class: "grow" });
    const deliveries = async () => {
      try {
        const { data } = await api(`/v1/intent/webhooks/${w.id}/deliveries`, { query: { limit: 10 } });
        clear(out, data.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Event", "Status", "Attempts", "HTTP", "When"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, data.map((d) => h("tr", {}, h("td", {}, d.eventType), h("td", {}, badge(d.status)), h("td", { class: "num" }, fmt(d.attempts)),
            h("td", {}, d.lastResponseCode ?? "—"), h("td", {}, d.lastAttemptAt || d.createdAt))))) : h("p", {}, "No deliveries yet."));
      } catch (err) {
        showError(out, err);
      }
    };
    return h("li", {},
      h("div", { class: "grow" }, h("strong", { class: "mono" }, w.url), " ", badge(w.enabled ? "active" : "paused"),
        h("div", { class: "muted" }, w.events.join(", "), w.description ? ` — ${w.description}` : "")),
      h("button", { type: "button", onclick: async () => { try { await api(`/v1/intent/webhooks/${w.id}/ping`, { method: "POST" }); deliveries(); } catch (e) { showError(out, e); } } }, "Ping"),
      h("button", { type: "button", onclick: deliveries }, "Deliveries"),
      h("button", { type: "button", class: "danger", onclick: async () => { if (window.confirm(`Delete ${w.url}?`)) { try { await api(`/v1/intent/webhooks/${w.id}`, { method: "DELETE" }); load(); } catch (e) { showError(out, e); } } } }, "Delete"),
      out);
  }

  clear(root, h("h1", {}, "Webhooks"),
    h("div", { class: "grid" }, h("section", { class: "panel", "aria-label": "Endpoints" }, list), form));
  await load();
}
