// Find topics: instant search, browse by type/industry/category, trend, compare (≤ 10), movers.

import { api } from "./api.js";
import { h, clear, field, fmt, showError, busy, latest, debounce, chart, announce } from "./ui.js";
import { pick, unpick, isPicked, picked } from "./store.js";

const COMPARE_MAX = 10;

export async function render(root) {
  const { data: facets } = await api("/v1/intent/topics/facets");
  const compare = new Map(); // topicId → name

  const q = h("input", { type: "search", autocomplete: "off", placeholder: "e.g. crm, payroll, solar" });
  const type = h("select", {}, h("option", { value: "both" }, "B2B and B2C"), h("option", { value: "b2b" }, "B2B"), h("option", { value: "b2c" }, "B2C"));
  const industry = h("select", {}, h("option", { value: "" }, "Any industry"),
    facets.industries.map((f) => h("option", { value: f.value }, `${f.value} (${fmt(f.count)})`)));
  const category = h("select", {}, h("option", { value: "" }, "Any category"),
    facets.categories.map((f) => h("option", { value: f.value }, `${f.value} (${fmt(f.count)})`)));
  const qF = field("Search topics", q, { name: "q", hint: "Results update as you type." });
  const filters = h("div", {}, qF.wrap, h("div", { class: "row" }, field("Type", type).wrap, field("Industry", industry).wrap, field("Category", category).wrap));
  const results = h("div", { "aria-live": "polite" });
  const pager = h("div", { class: "pager" });
  const trendBox = h("div", { class: "chart" });
  const trendTitle = h("h2", {}, "Trend");
  const trendPanel = h("section", { class: "panel", "aria-labelledby": "trend-h" }, trendTitle, h("p", { class: "hint" }, "Pick “Trend” on a topic to see its audience and score bands over the loaded days."), trendBox);
  trendTitle.id = "trend-h";
  const compareList = h("ul", { class: "chips", "aria-label": "Topics to compare" });
  const compareBtn = h("button", { type: "button", class: "primary", disabled: true }, "Compare");
  const compareBox = h("div", { class: "chart" });
  const compareErr = h("div");
  const moversList = h("div");
  const moversDir = h("select", {}, h("option", { value: "up" }, "Rising"), h("option", { value: "down" }, "Falling"));
  const pickedNote = h("p", { class: "hint", "aria-live": "polite" });
  let offset = 0;
  const LIMIT = 25;

  function pickButton(t) {
    const b = h("button", { type: "button", "aria-pressed": String(isPicked(t.topicId)) });
    const draw = () => {
      const on = isPicked(t.topicId);
      b.textContent = on ? "Picked ✓" : "Pick";
      b.setAttribute("aria-pressed", String(on));
      b.setAttribute("aria-label", `${on ? "Unpick" : "Pick"} ${t.topicName} for an audience`);
    };
    b.addEventListener("click", () => { (isPicked(t.topicId) ? unpick : pick)(isPicked(t.topicId) ? t.topicId : t); draw(); drawPicked(); });
    draw();
    return b;
  }

  function compareBox1(t) {
    const cb = h("input", { type: "checkbox", checked: compare.has(t.topicId), "aria-label": `Compare ${t.topicName}` });
    cb.addEventListener("change", () => {
      if (cb.checked) {
        if (compare.size >= COMPARE_MAX) {
          cb.checked = false;
          clear(compareErr, h("div", { class: "notice", role: "alert" }, `At most ${COMPARE_MAX} topics can be compared at once.`));
          return;
        }
        compare.set(t.topicId, t.topicName);
      } else compare.delete(t.topicId);
      drawCompare();
    });
    return h("label", { class: "muted" }, cb, " compare");
  }

  function topicRow(t, extra) {
    return h("li", {},
      h("div", { class: "grow" },
        h("strong", {}, t.topicName), " ",
        h("span", { class: "muted" }, [t.type, t.industry, t.category].filter(Boolean).join(" · ")),
        extra),
      h("button", { type: "button", onclick: () => showTrend(t) , "aria-label": `Trend of ${t.topicName}` }, "Trend"),
      compareBox1(t),
      pickButton(t));
  }

  function drawPicked() {
    const n = picked().length;
    clear(pickedNote, n ? [`${n} topic${n === 1 ? "" : "s"} picked. `, h("a", { href: "#/build" }, "Build an audience from them →")] : "Pick topics to build an audience from them.");
  }

  function drawCompare() {
    clear(compareList, [...compare].map(([id, name]) => h("li", { class: "chip" }, name,
      h("button", { type: "button", "aria-label": `Remove ${name} from the comparison`, onclick: () => { compare.delete(id); drawCompare(); load(); } }, "×"))));
    compareBtn.disabled = compare.size < 1;
    compareBtn.textContent = `Compare (${compare.size}/${COMPARE_MAX})`;
  }

  const load = latest(async (signal) => {
    const text = q.value.trim();
    clear(results, busy("Searching…"));
    try {
      let items, total;
      if (text) {
        const r = await api("/v1/intent/topics/search", { query: { q: text, type: type.value, industry: industry.value, limit: 25 }, signal });
        items = category.value ? r.data.filter((t) => t.category === category.value) : r.data;
        total = items.length;
      } else {
        const r = await api("/v1/intent/topics", { query: { type: type.value, industry: industry.value, category: category.value, limit: LIMIT, offset }, signal });
        items = r.data;
        total = r.meta.total;
      }
      setFieldErrorSafe("");
      clear(results, items.length
        ? h("ul", { class: "list", "aria-label": "Topics" }, items.map((t) => topicRow(t)))
        : h("p", {}, "No topic matches."));
      announce(`${items.length} topics shown`);
      drawPager(text ? null : total);
    } catch (err) {
      if (err.name === "AbortError") return;
      if (err.problems && err.problems.length) setFieldErrorSafe(err.problems.map((p) => p.message).join(" "));
      showError(results, err);
    }
  });

  function setFieldErrorSafe(msg) {
    qF.error.textContent = msg;
    if (msg) q.setAttribute("aria-invalid", "true"); else q.removeAttribute("aria-invalid");
  }

  function drawPager(total) {
    if (total === null || total === undefined) { clear(pager); return; }
    const prev = h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - LIMIT); load(); } }, "← Previous");
    const next = h("button", { type: "button", disabled: offset + LIMIT >= total, onclick: () => { offset += LIMIT; load(); } }, "Next →");
    clear(pager, prev, h("span", {}, `${fmt(Math.min(offset + 1, total))}–${fmt(Math.min(offset + LIMIT, total))} of ${fmt(total)}`), next);
  }

  async function showTrend(t) {
    trendTitle.textContent = `Trend: ${t.topicName}`;
    clear(trendBox, busy("Loading the trend…"));
    try {
      const { data } = await api(`/v1/intent/topics/${t.topicId}/trend`, { query: { days: 30 } });
      chart(trendBox, `Audience of ${t.topicName} per day`, {
        type: "line",
        data: {
          labels: data.map((p) => p.date),
          datasets: [
            { label: "Audience", data: data.map((p) => p.uniqueAudience), fill: false },
            { label: "High (90–99)", data: data.map((p) => p.highAudience) },
            { label: "Medium (70–89)", data: data.map((p) => p.mediumAudience) },
            { label: "Low (60–69)", data: data.map((p) => p.lowAudience) },
          ],
        },
      });
      trendPanel.scrollIntoView({ block: "nearest" });
    } catch (err) {
      showError(trendBox, err);
    }
  }

  compareBtn.addEventListener("click", async () => {
    clear(compareBox, busy("Comparing…"));
    clear(compareErr);
    try {
      const { data } = await api("/v1/intent/topics/compare", { method: "POST", body: { topicIds: [...compare.keys()], days: 30 } });
      const labels = data.length ? data[0].data.map((p) => p.date) : [];
      chart(compareBox, "Audience per day of the compared topics", {
        type: "line",
        data: { labels, datasets: data.map((s) => ({ label: s.topicName, data: s.data.map((p) => p.uniqueAudience) })) },
      });
    } catch (err) {
      showError(compareErr, err);
      clear(compareBox);
    }
  });

  const loadMovers = async () => {
    clear(moversList, busy("Loading movers…"));
    try {
      const { data, meta } = await api("/v1/intent/topics/movers", { query: { direction: moversDir.value, limit: 10, type: type.value, industry: industry.value } });
      clear(moversList,
        h("p", { class: "hint" }, `${meta.today || ""} against ${meta.yesterday || "the day before"}`),
        data.length ? h("ul", { class: "list", "aria-label": "Movers" }, data.map((m) => topicRow(m,
          h("div", { class: "muted" }, `${fmt(m.yesterdayAudience)} → ${fmt(m.todayAudience)} people (${m.pctChange > 0 ? "+" : ""}${m.pctChange}%)`)))) : h("p", {}, "No movers."));
    } catch (err) {
      showError(moversList, err);
    }
  };

  const search = debounce(() => { offset = 0; load(); }, 200);
  q.addEventListener("input", search);
  for (const s of [type, industry, category]) s.addEventListener("change", () => { offset = 0; load(); });
  for (const s of [type, industry, moversDir]) s.addEventListener("change", loadMovers);

  clear(root,
    h("h1", {}, "Find topics"),
    h("div", { class: "grid" },
      h("div", {},
        h("section", { class: "panel", "aria-label": "Search and browse" }, filters, pickedNote, results, pager)),
      h("div", {},
        trendPanel,
        h("section", { class: "panel", "aria-labelledby": "cmp-h" }, h("h2", { id: "cmp-h" }, "Compare"),
          h("p", { class: "hint" }, `Tick “compare” on up to ${COMPARE_MAX} topics.`), compareList, compareBtn, compareErr, compareBox),
        h("section", { class: "panel", "aria-labelledby": "mov-h" }, h("h2", { id: "mov-h" }, "Movers of the day"),
          field("Direction", moversDir).wrap, moversList))));
  drawPicked();
  drawCompare();
  load();
  loadMovers();
}
