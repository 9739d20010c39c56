// Suppression lists: create, upload a CSV file (header names the column), see what was accepted
// or refused, empty and delete. Audiences apply them in the builder (docs/suppression.md).

import { api } from "./api.js";
import { h, clear, field, showError, showProblems, setFieldError, fmt, busy } from "./ui.js";

const BASE = "/v1/intent/suppression-lists";

export async function render(root) {
  const list = h("div");
  const name = h("input", { type: "text", maxlength: 255, autocomplete: "off" });
  const nameF = field("List name", name, { name: "name", hint: "Unique in your organization, e.g. “customers”." });
  const desc = h("input", { type: "text", maxlength: 500 });
  const descF = field("Description", desc, { name: "description" });
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "panel", novalidate: true },
    h("h2", {}, "New list"), nameF.wrap, descF.wrap,
    h("button", { type: "submit", class: "primary" }, "Create list"), msg);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      await api(BASE, { method: "POST", body: { name: name.value.trim(), description: desc.value } });
      showProblems(null, { name: nameF, description: descF });
      name.value = "";
      desc.value = "";
      load();
    } catch (err) {
      const { rest } = showProblems(err, { name: nameF, description: descF });
      if (!err.problems || !err.problems.length || rest.length) showError(msg, err);
    }
  });

  async function load() {
    try {
      const { data } = await api(BASE, { query: { limit: 100 } });
      clear(list, data.length ? h("ul", { class: "list", "aria-label": "Suppression lists" }, data.map(entry))
        : h("p", {}, "No list yet."));
    } catch (err) {
      showError(list, err);
    }
  }

  function counts(s) {
    const k = s.kindCounts;
    return `${fmt(s.itemCount)} entries — SHA-256 ${fmt(k.sha256)}, SHA-1 ${fmt(k.sha1)}, MD5 ${fmt(k.md5)}, domains ${fmt(k.domain)}`;
  }

  function entry(s) {
    const out = h("div", { class: "grow", "aria-live": "polite" });
    const file = h("input", { type: "file", accept: ".csv,text/csv" });
    const fileF = field(`CSV file for ${s.name}`, file, { name: "file",
      hint: "First line names the column: email, sha256, sha1, md5 or domain. E-mails are hashed on arrival." });
    const replace = h("input", { type: "checkbox" });
    const upload = async () => {
      const chosen = file.files && file.files[0];
      if (!chosen) {
        setFieldError(fileF, "Choose a CSV file first.");
        file.focus();
        return;
      }
      setFieldError(fileF, "");
      clear(out, busy(`Uploading ${chosen.name}…`));
      try {
        const { data } = await api(`${BASE}/${s.id}/items`, { method: "POST", raw: chosen,
          headers: { "Content-Type": "text/csv" }, query: { mode: replace.checked ? "replace" : "append" } });
        clear(out, h("div", { class: "success" },
          `Read ${fmt(data.total)} lines: ${fmt(data.accepted)} accepted, ${fmt(data.duplicates)} duplicates, ${fmt(data.rejected)} refused.`),
        data.errors.length ? h("ul", { "aria-label": "Refused lines" },
          data.errors.slice(0, 10).map((e) => h("li", {}, `line ${e.line}: ${e.reason}`))) : null,
        h("p", { class: "muted" }, counts(data.suppressionList)));
      } catch (err) {
        showError(out, err);
      }
    };
    const empty = async () => {
      if (!window.confirm(`Remove every entry of ${s.name}?`)) return;
      try {
        await api(`${BASE}/${s.id}/items`, { method: "DELETE" });
        load();
      } catch (err) {
        showError(out, err);
      }
    };
    const remove = async () => {
      if (!window.confirm(`Delete ${s.name}?`)) return;
      try {
        await api(`${BASE}/${s.id}`, { method: "DELETE" });
        load();
      } catch (err) {
        // LIST_IN_USE names the audiences that apply the list.
        showError(out, err);
      }
    };
    return h("li", {},
      h("div", { class: "grow" }, h("strong", {}, s.name), s.description ? ` — ${s.description}` : "",
        h("div", { class: "muted" }, counts(s)),
        fileF.wrap, h("label", { class: "row" }, replace, "Replace the list with this file"),
        h("div", { class: "row" },
          h("button", { type: "button", class: "primary", onclick: upload }, "Upload"),
          h("button", { type: "button", onclick: empty }, "Empty"),
          h("button", { type: "button", class: "danger", onclick: remove }, "Delete")),
        out));
  }

  clear(root, h("h1", {}, "Suppression lists"),
    h("p", { class: "hint" }, "People on a list are left out of the previews, runs and exports of every audience that applies it."),
    h("div", { class: "grid" }, h("section", { class: "panel", "aria-label": "Lists" }, list), form));
  await load();
}
