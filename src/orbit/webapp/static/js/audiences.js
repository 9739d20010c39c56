// The organization's saved audiences.

import { api } from "./api.js";
import { h, clear, fmt, badge } from "./ui.js";

export async function render(root) {
  const { data, meta } = await api("/v1/intent/audiences", { query: { limit: 100 } });
  clear(root,
    h("h1", {}, "Audiences"),
    h("section", { class: "panel" },
      h("p", {}, h("a", { href: "#/build", class: "button primary" }, "Build a new audience")),
      data.length ? h("div", { class: "table-wrap" }, h("table", {},
        h("caption", { class: "hint" }, `${fmt(meta.total)} saved audience${meta.total === 1 ? "" : "s"}, newest first`),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Status"),
          h("th", { scope: "col" }, "Topics"), h("th", { scope: "col", class: "num" }, "Size"), h("th", { scope: "col" }, "Last refreshed"))),
        h("tbody", {}, data.map((a) => h("tr", {},
          h("td", {}, h("a", { href: `#/audiences/${a.id}` }, a.name)),
          h("td", {}, badge(a.status)),
          h("td", {}, a.topics.slice(0, 3).map((t) => t.name).join(", ") + (a.topics.length > 3 ? ` +${a.topics.length - 3}` : "")),
          h("td", { class: "num" }, fmt(a.audienceSize)),
          h("td", {}, a.lastRefreshedAt || "—")))))) : h("p", {}, "No audience yet.")));
}
