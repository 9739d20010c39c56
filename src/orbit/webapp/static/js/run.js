// One run: live status, then results (paged), stats (fill rates, score histogram), export.csv
// download, stored exports with a copyable link, changes since the previous run, and accounts.

import { api, download } from "./api.js";
import { h, clear, fmt, badge, showError, busy, barChart, nextId, announce } from "./ui.js";

const POLL_MS = 1000;
const PAGE = 25;

export async function render(root, [audienceId, runId]) {
  const base = `/v1/intent/audiences/${audienceId}/runs/${runId}`;
  const head = h("div");
  const body = h("div");
  let timer = null;
  let stopped = false;
  let drawn = false;

  async function poll() {
    try {
      const { data: run } = await api(base);
      clear(head,
        h("p", {}, h("a", { href: `#/audiences/${audienceId}` }, "← Audience")),
        h("h1", {}, "Run ", h("span", { class: "mono" }, run.id.slice(0, 8)), " ", badge(run.status)),
        h("dl", { class: "kv" },
          h("dt", {}, "Data date"), h("dd", {}, run.dataDate),
          h("dt", {}, "People"), h("dd", { id: "run-count" }, fmt(run.resultCount)),
          h("dt", {}, "Candidates before ICP filters"), h("dd", {}, fmt(run.candidateCount)),
          h("dt", {}, "Attempts"), h("dd", {}, fmt(run.attempts)),
          run.errorMessage ? [h("dt", {}, "Error"), h("dd", { class: "field-error" }, `${run.errorCode}: ${run.errorMessage}`)] : null));
      if (run.status === "queued" || run.status === "running") {
        clear(body, busy(run.status === "queued" ? "Queued — waiting for a worker…" : "Running — ranking and writing the snapshot…"));
        if (!stopped) timer = setTimeout(poll, POLL_MS);
      } else if (run.status === "completed" && !drawn) {
        drawn = true;
        announce("Run completed");
        drawTabs(run);
      } else if (run.status !== "completed") {
        clear(body, h("p", {}, "This run has no results."));
      }
    } catch (err) {
      showError(body, err);
    }
  }

  function drawTabs(run) {
    const tabs = [["Results", results], ["Stats", stats], ["Export", exportPanel], ["Changes", changesPanel], ["Accounts", accounts]];
    const list = h("div", { class: "tabs", role: "tablist", "aria-label": "Run views" });
    const panel = h("div", { role: "tabpanel", tabindex: "0" });
    const buttons = tabs.map(([label, draw], i) => {
      const b = h("button", { type: "button", role: "tab", id: nextId("tab"), "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1" }, label);
      b.addEventListener("click", () => select(i));
      b.addEventListener("keydown", (e) => {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          const j = (i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
          select(j);
          buttons[j].focus();
        }
      });
      return b;
    });
    function select(i) {
      buttons.forEach((b, j) => { b.setAttribute("aria-selected", String(i === j)); b.tabIndex = i === j ? 0 : -1; });
      panel.setAttribute("aria-labelledby", buttons[i].id);
      clear(panel, busy("Loading…"));
      tabs[i][1](panel, run);
    }
    list.append(...buttons);
    clear(body, list, panel);
    select(0);
  }

  async function results(panel) {
    let offset = 0;
    const draw = async () => {
      try {
        const { data } = await api(`${base}/results`, { query: { limit: PAGE, offset } });
        const pager = h("div", { class: "pager" },
          h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); draw(); } }, "← Previous"),
          h("span", {}, data.total ? `${fmt(offset + 1)}–${fmt(Math.min(offset + PAGE, data.total))} of ${fmt(data.total)}` : "no rows"),
          h("button", { type: "button", disabled: offset + PAGE >= data.total, onclick: () => { offset += PAGE; draw(); } }, "Next →"));
        clear(panel, pager, peopleTable(data.results));
      } catch (err) {
        showError(panel, err);
      }
    };
    await draw();
  }

  async function stats(panel) {
    try {
      const { data } = await api(`${base}/stats`);
      const s = data.stats;
      const hist = h("div", { class: "chart small" });
      clear(panel,
        h("p", {}, `${fmt(s.total)} people · average score ${s.averages.score ?? "—"} · average overlap ${s.averages.topicOverlap ?? "—"}`),
        h("div", { class: "grid" },
          h("figure", { class: "panel" }, h("figcaption", { class: "label" }, "Score histogram"), hist),
          h("div", { class: "table-wrap" }, h("table", {}, h("caption", { class: "hint" }, "Fill rates"),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col", class: "num" }, "People"), h("th", { scope: "col", class: "num" }, "%"))),
            h("tbody", {}, Object.entries(s.fillRates).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: "num" }, fmt(v.count)), h("td", { class: "num" }, `${v.percent}%`))))))));
      barChart(hist, "People per score bucket", s.scoreHistogram.map((b) => ({ label: b.bucket, value: b.count })), { horizontal: false });
    } catch (err) {
      showError(panel, err);
    }
  }

  async function exportPanel(panel) {
    const note = h("div", { "aria-live": "polite" });
    const stored = h("div", { "aria-live": "polite" });
    const dl = h("button", { type: "button", class: "primary" }, "Download export.csv");
    dl.addEventListener("click", async () => {
      dl.disabled = true;
      clear(note, busy("Preparing the CSV…"));
      try {
        const got = await download(`${base}/export.csv`, `orbit-${runId}.csv`);
        clear(note, h("div", { class: "success", dataset: { downloaded: got.name } }, `Downloaded ${got.name} (${fmt(got.bytes)} bytes)${got.truncated ? " — capped at 300,000 rows" : ""}.`));
      } catch (err) {
        showError(note, err);
      } finally {
        dl.disabled = false;
      }
    });
    const make = h("button", { type: "button" }, "Create a stored export");
    make.addEventListener("click", async () => {
      make.disabled = true;
      clear(stored, busy("Writing the stored export…"));
      try {
        const { data } = await api(`${base}/exports`, { method: "POST" });
        const link = h("input", { type: "text", readonly: true, value: data.downloadUrl, id: "export-link", "aria-label": "Download link of the stored export" });
        const copy = h("button", { type: "button" }, "Copy link");
        const copied = h("span", { role: "status" });
        copy.addEventListener("click", async () => {
          try {
            await navigator.clipboard.writeText(link.value);
            copied.textContent = " Copied.";
          } catch {
            link.select();
            copied.textContent = " Select and copy the link (the browser refused clipboard access).";
          }
        });
        clear(stored,
          h("div", { class: "success" }, `Stored export of ${fmt(data.export.rowCount)} rows; the link works until ${data.downloadUrlExpiresAt} without credentials — share it with care.`),
          h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "export-link" }, "Link"), link), copy, copied));
      } catch (err) {
        showError(stored, err);
      } finally {
        make.disabled = false;
      }
    });
    clear(panel,
      h("h2", {}, "Export"),
      h("p", {}, "The CSV has every row of this run (up to 300,000), with full contact details."),
      dl, note,
      h("h3", {}, "Stored export"),
      h("p", { class: "hint" }, "A file kept on the server with a signed, expiring link you can hand to a CRM import."),
      make, stored);
  }

  async function changesPanel(panel) {
    const kind = h("select", { id: nextId("k") }, ["new", "dropped", "changed"].map((k) => h("option", { value: k }, k)));
    const out = h("div");
    const draw = async () => {
      clear(out, busy("Loading changes…"));
      try {
        const { data } = await api(`${base}/changes`, { query: { kind: kind.value, limit: PAGE } });
        clear(out, h("p", {}, `${fmt(data.total)} ${data.kind} since run ${data.previousRun ? data.previousRun.id.slice(0, 8) : "—"}`), peopleTable(data.results, true),
          h("button", { type: "button", onclick: () => download(`${base}/changes.csv?kind=${encodeURIComponent(kind.value)}`, "changes.csv").catch((e) => showError(out, e)) }, "Download changes.csv"));
      } catch (err) {
        showError(out, err);
      }
    };
    kind.addEventListener("change", draw);
    clear(panel, h("div", { class: "field" }, h("label", { for: kind.id }, "Who"), kind), out);
    await draw();
  }

  async function accounts(panel) {
    try {
      const { data } = await api(`${base}/accounts`, { query: { limit: PAGE } });
      clear(panel,
        h("p", {}, `${fmt(data.total)} companies`),
        h("div", { class: "table-wrap" }, h("table", {},
          h("thead", {}, h("tr", {}, ["#", "Company", "Industry", "Size", "People", "Best score", "Surge"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, data.accounts.map((a) => h("tr", {},
            h("td", {}, a.rank), h("td", {}, a.name || "—", a.domain ? h("div", { class: "muted" }, a.domain) : null),
            h("td", {}, a.industry || "—"), h("td", {}, a.size || "—"), h("td", { class: "num" }, fmt(a.people)),
            h("td", { class: "num" }, a.bestScore), h("td", { class: "num" }, a.surge && a.surge.score !== null ? a.surge.score : "—")))))),
        h("button", { type: "button", onclick: () => download(`${base}/accounts.csv`, "accounts.csv").catch((e) => showError(panel, e)) }, "Download accounts.csv"));
    } catch (err) {
      showError(panel, err);
    }
  }

  function peopleTable(rows, withChange = false) {
    if (!rows.length) return h("p", {}, "No people.");
    return h("div", { class: "table-wrap" }, h("table", { "aria-label": "People" },
      h("thead", {}, h("tr", {}, ["#", "Name", "Title", "Company", "E-mail", "Score", "Overlap", withChange ? "Change" : null].filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("td", { class: "num" }, r.rank), h("td", {}, r.fullName || "—"), h("td", {}, r.jobTitle || "—"),
        h("td", {}, r.company.name || "—"), h("td", {}, r.primaryContactEmail || "—"),
        h("td", { class: "num" }, r.intent.score), h("td", { class: "num" }, r.intent.topicOverlap),
        withChange ? h("td", {}, r.change.scoreChange !== null ? `${r.change.scoreChange > 0 ? "+" : ""}${r.change.scoreChange}` : r.change.kind) : null)))));
  }

  clear(root, h("section", { class: "panel" }, head), h("section", { class: "panel" }, body));
  await poll();
  return () => { stopped = true; clearTimeout(timer); };
}
