// Build an audience: topics, score range, overlap and every ICP filter of the catalogue (with
// value counts); a live preview (debounced, stale requests cancelled); save as draft; activate.

import { api, ApiError } from "./api.js";
import { h, clear, field, setFieldError, fmt, showError, showProblems, busy, latest, debounce, barChart, announce, describe, nextId } from "./ui.js";
import { picked, setPicked } from "./store.js";

const BREAKDOWNS = [
  ["industries", "Industries"], ["seniorities", "Seniority"], ["departments", "Departments"],
  ["revenueRanges", "Revenue"], ["companySizes", "Company size"], ["states", "States"],
];

export async function render(root, [audienceId]) {
  const [{ data: catalogue }, existing, lists] = await Promise.all([
    api("/v1/intent/audiences/filters"),
    audienceId ? api(`/v1/intent/audiences/${audienceId}`).then((r) => r.data) : Promise.resolve(null),
    api("/v1/intent/suppression-lists", { query: { limit: 100 } }).then((r) => r.data, () => []),
  ]);
  let saved = existing; // the audience as last saved
  let topics = existing ? existing.topics.map((t) => ({ topicId: t.id, topicName: t.name })) : picked();

  // --- controls --------------------------------------------------------------------------------
  const name = h("input", { type: "text", maxlength: 255, value: existing ? existing.name : "", autocomplete: "off" });
  const nameF = field("Audience name", name, { name: "name" });
  const cfg = existing ? existing.normalizedConfig : {};
  const minScore = h("input", { type: "number", min: 50, max: 99, step: 1, value: cfg.minScore ?? 70, inputmode: "numeric" });
  const maxScore = h("input", { type: "number", min: 50, max: 99, step: 1, value: cfg.maxScore ?? 99, inputmode: "numeric" });
  const overlap = h("input", { type: "number", min: 1, max: 250, step: 1, value: cfg.minTopicOverlap ?? 1, inputmode: "numeric" });
  const minF = field("Minimum score", minScore, { name: "minScore", hint: "50–99; intent scores of the day." });
  const maxF = field("Maximum score", maxScore, { name: "maxScore" });
  const ovF = field("Topic overlap", overlap, { name: "minTopicOverlap", hint: "How many of the topics a person must research." });
  const topicChips = h("ul", { class: "chips", "aria-label": "Topics of this audience" });
  const topicSearch = h("input", { type: "search", autocomplete: "off", placeholder: "add a topic…" });
  const topicF = field("Topics", topicSearch, { name: "topicIds", hint: "Search and add topics, or pick them on the Topics and From a website screens." });
  const topicResults = h("ul", { class: "list", "aria-label": "Topics found" });
  const applied = new Set(cfg.suppressionListIds || []);
  const listBoxes = lists.map((l) => h("input", { type: "checkbox", value: l.id, checked: applied.has(l.id) }));
  const listsErr = h("div", { class: "field-error", role: "alert" });
  const listsF = { input: listBoxes[0] || listsErr, error: listsErr };
  const suppression = h("fieldset", {}, h("legend", {}, "Suppression lists"),
    lists.length ? listBoxes.map((b, i) => h("label", { class: "row" }, b, lists[i].name,
      h("span", { class: "count" }, fmt(lists[i].itemCount)))) : h("p", { class: "hint" }, "No list yet: ",
      h("a", { href: "#/suppression" }, "create one"), " to leave customers or opt-outs out."),
    listsErr);

  // One record per catalogue filter: read() gives its config value (or undefined), f its field().
  const filterInputs = new Map();
  const fieldsByPath = { name: nameF, minScore: minF, maxScore: maxF, minTopicOverlap: ovF, topicIds: topicF,
    suppressionListIds: listsF };
  const groups = catalogue.groups.map((g) => h("fieldset", {}, h("legend", {}, g.label),
    h("p", { class: "hint" }, g.description), g.filters.map((f) => filterControl(f, cfg.filters ? cfg.filters[f.key] : undefined))));

  function filterControl(f, initial) {
    const errId = nextId("err");
    const error = h("div", { class: "field-error", id: errId, role: "alert" });
    const summary = h("summary", {}, f.label);
    const details = h("details", { class: "filter", dataset: { filter: f.key } }, summary);
    let read;
    let inputs = [];
    if (f.type === "multi_select") {
      const chosen = new Set(initial && initial.values ? initial.values : []);
      const filterBox = h("input", { type: "search", placeholder: "filter values", "aria-label": `Filter the values of ${f.label}` });
      const boxes = (f.values || []).map((v) => {
        const cb = h("input", { type: "checkbox", value: v.value, checked: chosen.has(v.value), "aria-describedby": errId });
        inputs.push(cb);
        return h("label", { dataset: { text: v.label.toLowerCase() } }, cb, v.label, h("span", { class: "count" }, fmt(v.count)));
      });
      filterBox.addEventListener("input", () => {
        const t = filterBox.value.trim().toLowerCase();
        for (const b of boxes) b.hidden = t && !b.dataset.text.includes(t);
      });
      read = () => {
        const values = inputs.filter((c) => c.checked).map((c) => c.value);
        return values.length ? { values } : undefined;
      };
      details.append((f.values || []).length > 12 ? filterBox : "", h("div", { class: "options", role: "group", "aria-label": f.label }, boxes));
      if (chosen.size) details.open = true;
    } else if (f.type === "boolean") {
      const sel = h("select", { "aria-describedby": errId },
        h("option", { value: "" }, "Any"), h("option", { value: "true" }, "Yes"), h("option", { value: "false" }, "No"));
      sel.value = initial === true ? "true" : initial === false ? "false" : "";
      inputs = [sel];
      read = () => (sel.value === "" ? undefined : sel.value === "true");
      details.append(h("label", { for: (sel.id = nextId("b")) }, f.ui.description), sel);
      if (sel.value) details.open = true;
    } else if (f.type === "number_range") {
      const lo = h("input", { type: "number", min: 0, inputmode: "numeric", value: initial && initial.min !== undefined ? initial.min : "", placeholder: f.range ? String(f.range.min) : "" });
      const hi = h("input", { type: "number", min: 0, inputmode: "numeric", value: initial && initial.max !== undefined ? initial.max : "", placeholder: f.range ? String(f.range.max) : "" });
      inputs = [lo, hi];
      read = () => {
        const out = {};
        if (lo.value !== "") out.min = Number(lo.value);
        if (hi.value !== "") out.max = Number(hi.value);
        return Object.keys(out).length ? out : undefined;
      };
      details.append(h("div", { class: "row" }, field(`${f.label} from`, lo).wrap, field(`${f.label} to`, hi).wrap));
      if (initial) details.open = true;
    } else {
      const terms = h("input", { type: "text", placeholder: f.ui.placeholder || "", value: initial && initial.values ? initial.values.join(", ") : "", "aria-describedby": errId });
      const op = h("select", {}, f.operators.map((o) => h("option", { value: o }, o.replace("_", " "))));
      const mode = h("select", {}, h("option", { value: "any" }, "any term"), h("option", { value: "all" }, "all terms"));
      if (initial && initial.operator) op.value = initial.operator;
      if (initial && initial.mode) mode.value = initial.mode;
      inputs = [terms, op, mode];
      read = () => {
        const values = terms.value.split(",").map((s) => s.trim()).filter(Boolean);
        if (!values.length) return undefined;
        const out = { values, operator: op.value };
        if (f.modes) out.mode = mode.value;
        return out;
      };
      details.append(h("div", { class: "row" }, field("Terms (comma-separated)", terms).wrap, field("Match", op).wrap, f.modes ? field("Mode", mode).wrap : null));
      if (initial) details.open = true;
    }
    details.append(h("p", { class: "hint" }, f.ui.helperText || ""), error);
    for (const i of inputs) i.addEventListener(i.type === "text" || i.type === "number" || i.type === "search" ? "input" : "change", changed);
    filterInputs.set(f.key, read);
    // A problem on `filters.<key>` lands in this filter's error slot (and opens it).
    const record = { input: inputs[0] || details, error, open: () => { details.open = true; } };
    fieldsByPath[`filters.${f.key}`] = record;
    return details;
  }

  function config() {
    const filters = {};
    for (const [key, read] of filterInputs) {
      const v = read();
      if (v !== undefined) filters[key] = v;
    }
    const num = (el) => (el.value === "" ? undefined : Number(el.value));
    return {
      topicIds: topics.map((t) => t.topicId), minScore: num(minScore), maxScore: num(maxScore),
      minTopicOverlap: num(overlap), filters,
      ...(listBoxes.some((b) => b.checked) ? { suppressionListIds: listBoxes.filter((b) => b.checked).map((b) => b.value) } : {}),
    };
  }

  // --- topics ----------------------------------------------------------------------------------
  function drawTopics() {
    clear(topicChips, topics.map((t) => h("li", { class: "chip" }, t.topicName,
      h("button", { type: "button", "aria-label": `Remove ${t.topicName}`, onclick: () => { topics = topics.filter((x) => x.topicId !== t.topicId); if (!saved) setPicked(topics); drawTopics(); changed(); } }, "×"))));
    if (!topics.length) topicChips.append(h("li", { class: "muted" }, "No topic yet."));
  }
  const findTopics = latest(async (signal) => {
    const q = topicSearch.value.trim();
    if (!q) { clear(topicResults); return; }
    try {
      const { data } = await api("/v1/intent/topics/search", { query: { q, limit: 8 }, signal });
      clear(topicResults, data.map((t) => h("li", {}, h("span", { class: "grow" }, t.topicName, " ", h("span", { class: "muted" }, t.industry)),
        h("button", { type: "button", "aria-label": `Add ${t.topicName}`, disabled: topics.some((x) => x.topicId === t.topicId),
          onclick: () => {
            topics = [...topics, { topicId: t.topicId, topicName: t.topicName }];
            if (!saved) setPicked(topics);
            drawTopics();
            // Ready for the next topic: an empty search box with the focus back in it.
            topicSearch.value = "";
            clear(topicResults);
            topicSearch.focus();
            announce(`${t.topicName} added`);
            changed();
          } }, "Add"))));
    } catch (err) {
      if (err.name !== "AbortError") showError(topicResults, err);
    }
  });
  topicSearch.addEventListener("input", debounce(findTopics, 200));

  // --- preview ---------------------------------------------------------------------------------
  const count = h("div", { class: "big", "aria-live": "polite", id: "preview-count" }, "—");
  // Phones: the preview sits below the filters, so a bar at the bottom keeps the count in view.
  const barCount = h("span", {}, "—");
  const bar = h("button", { type: "button", class: "preview-bar",
    onclick: () => document.getElementById("pv-h").scrollIntoView() }, barCount, " people · preview ↓");
  const previewState = h("div", { role: "status" });
  const previewErr = h("div");
  const charts = h("div", { class: "charts" });
  const sample = h("div", { class: "table-wrap" });

  const preview = latest(async (signal) => {
    const body = config();
    for (const f of Object.values(fieldsByPath)) if (f !== nameF) setFieldError2(f, "");
    clear(previewErr);
    if (!body.topicIds.length) {
      count.textContent = "—";
      clear(previewState, h("span", { class: "hint" }, "Add at least one topic to see the audience."));
      return;
    }
    clear(previewState, busy("Updating the preview…"));
    try {
      const { data } = await api("/v1/intent/audiences/preview", { method: "POST", body, signal });
      count.textContent = fmt(data.totalCount);
      barCount.textContent = fmt(data.totalCount);
      clear(previewState, h("span", { class: "hint" }, `people on ${data.dataDate}`));
      announce(`Preview: ${fmt(data.totalCount)} people`);
      clear(charts, BREAKDOWNS.filter(([k]) => (data.breakdowns[k] || []).length).map(([k, label]) => {
        const box = h("div", { class: "chart small" });
        const wrap = h("figure", { class: "panel" }, h("figcaption", { class: "label" }, label), box);
        queueMicrotask(() => barChart(box, `${label} of the audience`, data.breakdowns[k].map((b) => ({ label: b.label, value: b.count }))));
        return wrap;
      }));
      clear(sample, sampleTable(data.sample));
    } catch (err) {
      if (err.name === "AbortError") return;
      // No stale numbers next to an error: the preview shows nothing until the config is valid.
      count.textContent = "—";
      barCount.textContent = "—";
      clear(charts);
      clear(sample);
      clear(previewState);
      report(err, previewErr);
    }
  });
  // Declared as a function (hoisted): the filter controls above subscribe to it while being built.
  let previewTimer = null;
  function changed() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => preview(), 350);
  }
  for (const el of [minScore, maxScore, overlap]) el.addEventListener("input", changed);
  for (const b of listBoxes) b.addEventListener("change", changed);

  function setFieldError2(f, msg) {
    if (f.input && f.error && f.input.setAttribute) setFieldError(f, msg);
    else if (f.error) f.error.textContent = msg;
  }

  /** Validation problems go next to their controls; anything else above the buttons. */
  function report(err, slot) {
    if (err instanceof ApiError && err.problems.length) {
      const map = {};
      for (const [k, f] of Object.entries(fieldsByPath)) map[k] = f;
      // Save sends {name, config}: its field paths carry a `config.` prefix.
      const normalized = new ApiError(err.status, err.code, err.message,
        err.problems.map((p) => ({ ...p, field: p.field.replace(/^config\./, "").replace(/^body\./, "") })));
      const { rest, first } = showProblems(normalized, map);
      for (const f of Object.values(map)) if (f.open && f.error.textContent) f.open();
      if (rest.length) showError(slot, err);
      else clear(slot, h("div", { class: "error", role: "alert" }, "Please correct the highlighted fields."));
      return first;
    }
    showError(slot, err);
    return null;
  }

  function sampleTable(rows) {
    if (!rows.length) return h("p", {}, "Nobody matches yet.");
    return h("table", {},
      h("caption", { class: "hint" }, "Sample (masked: names initialised, contact details withheld)"),
      h("thead", {}, h("tr", {}, ["Name", "Title", "Company", "Score", "Overlap"].map((c, i) => h("th", { scope: "col", class: i > 2 ? "num" : null }, c)))),
      h("tbody", {}, rows.slice(0, 20).map((r) => h("tr", {},
        h("td", {}, [r.firstName, r.lastName].filter(Boolean).join(" ") || "—"),
        h("td", {}, r.jobTitle || "—"),
        h("td", {}, (r.company && r.company.name) || "—"),
        h("td", { class: "num" }, r.intent.score),
        h("td", { class: "num" }, r.intent.topicOverlap)))));
  }

  // --- save and activate -----------------------------------------------------------------------
  const saveBtn = h("button", { type: "button", class: "primary" }, existing ? "Save changes" : "Save as draft");
  const activateBtn = h("button", { type: "button" }, "Activate");
  const slots = h("p", { class: "hint", id: "slots" });
  const actionMsg = h("div", { "aria-live": "polite" });

  async function drawSlots() {
    try {
      const [{ meta }, { data: account }] = await Promise.all([
        api("/v1/intent/audiences", { query: { status: "active", limit: 1 } }), api("/v1/intent/account")]);
      const total = account.organization.audienceSlots;
      clear(slots, `Active audience slots: ${fmt(meta.total)} of ${fmt(total)} in use. Activating takes one slot and refreshes the audience daily; drafts take none.`);
    } catch (err) {
      clear(slots);
    }
  }

  async function save() {
    clear(actionMsg);
    setFieldError(nameF, "");
    if (!name.value.trim()) {
      setFieldError(nameF, "Give the audience a name.");
      name.focus();
      return null;
    }
    const body = { name: name.value.trim(), config: config() };
    try {
      const r = saved
        ? await api(`/v1/intent/audiences/${saved.id}`, { method: "PATCH", body })
        : await api("/v1/intent/audiences", { method: "POST", body: { ...body, status: "draft" } });
      saved = r.data;
      setPicked([]);
      saveBtn.textContent = "Save changes";
      clear(actionMsg, h("div", { class: "success" }, `Saved “${saved.name}” as ${saved.status}. `, h("a", { href: `#/audiences/${saved.id}` }, "Open the audience →")));
      history.replaceState(null, "", `#/build/${saved.id}`);
      return saved;
    } catch (err) {
      const first = report(err, actionMsg);
      if (first && first.input && first.input.focus) first.input.focus();
      return null;
    }
  }

  saveBtn.addEventListener("click", save);
  activateBtn.addEventListener("click", async () => {
    const a = await save();
    if (!a) return;
    try {
      const r = await api(`/v1/intent/audiences/${a.id}`, { method: "PATCH", body: { status: "active" } });
      saved = r.data;
      clear(actionMsg, h("div", { class: "success" }, `“${saved.name}” is active: its first run is queued. `, h("a", { href: `#/audiences/${saved.id}` }, "Follow its runs →")));
      drawSlots();
    } catch (err) {
      clear(actionMsg, h("div", { class: "error", role: "alert" }, h("strong", {}, `${err.code || "Error"}: `), describe(err),
        err.code === "SLOTS_FULL" ? h("p", {}, "The audience was saved as a draft; nothing else changed.") : null));
    }
  });

  drawTopics();
  clear(root,
    h("h1", {}, existing ? `Edit “${existing.name}”` : "Build an audience"),
    h("div", { class: "grid-builder" },
      h("form", { class: "panel", novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } },
        nameF.wrap,
        h("fieldset", {}, h("legend", {}, "Intent"), topicF.wrap, topicResults, topicChips,
          h("div", { class: "row top" }, minF.wrap, maxF.wrap, ovF.wrap)),
        h("h2", {}, "Ideal customer profile"),
        h("p", { class: "hint" }, "Between filters: AND. Inside one filter: any of the ticked values. Counts are people in the catalogue."),
        groups,
        suppression,
        slots,
        h("div", { class: "row" }, saveBtn, activateBtn),
        actionMsg),
      h("section", { class: "panel sticky", "aria-labelledby": "pv-h" },
        h("h2", { id: "pv-h" }, "Preview"), count, previewState, previewErr, charts, sample)), bar);
  drawSlots();
  preview();
}
