// Start from a website: analyze a URL, show the suggested topics with their evidence, pick some.

import { api } from "./api.js";
import { h, clear, field, setFieldError, busy, describe } from "./ui.js";
import { pick, isPicked, picked } from "./store.js";

export async function render(root) {
  const urlIn = h("input", { type: "url", placeholder: "https://www.example.com/", autocomplete: "url", required: true });
  const urlF = field("Website address", urlIn, { name: "url", hint: "Orbit reads the page and a few same-site pages (about, product, pricing) and matches them with its topics." });
  const submit = h("button", { type: "submit", class: "primary" }, "Analyze");
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "panel", novalidate: true }, h("h1", {}, "Start from a website"), urlF.wrap, submit, out);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    setFieldError(urlF, "");
    const url = urlIn.value.trim();
    if (!url) {
      setFieldError(urlF, "Enter the address of a website, such as https://www.example.com/.");
      urlIn.focus();
      return;
    }
    submit.disabled = true;
    clear(out, busy("Fetching the site and matching topics — this can take up to half a minute…"));
    try {
      const { data } = await api("/v1/intent/topics/analyze", { method: "POST", body: { url } });
      drawResult(data);
    } catch (err) {
      clear(out);
      // Every analyze failure is about the address: show it next to the field.
      setFieldError(urlF, describe(err));
      urlIn.focus();
    } finally {
      submit.disabled = false;
    }
  });

  function drawResult(r) {
    const boxes = [];
    const items = r.topics.map((t) => {
      const cb = h("input", { type: "checkbox", checked: !isPicked(t.topicId) && t.similarity >= 0.5, dataset: { topicId: t.topicId } });
      boxes.push([cb, t]);
      return h("li", {},
        h("label", { class: "grow" }, cb, " ", h("strong", {}, t.topicName), " ",
          h("span", { class: "muted" }, [t.type, t.industry, t.category].filter(Boolean).join(" · "), ` · similarity ${Number(t.similarity).toFixed(2)}`),
          t.evidence ? h("p", { class: "evidence" }, "“", t.evidence, "”") : null));
    });
    const use = h("button", { type: "button", class: "primary" }, "Use the ticked topics");
    const note = h("div", { role: "status" });
    use.addEventListener("click", () => {
      let n = 0;
      for (const [cb, t] of boxes) if (cb.checked) { pick(t); n += 1; }
      clear(note, h("div", { class: "success" }, `${n} topic${n === 1 ? "" : "s"} added (${picked().length} picked in all). `, h("a", { href: "#/build" }, "Build the audience →")));
    });
    clear(out,
      h("h2", {}, r.company || r.url),
      r.confidence === "low" ? h("div", { class: "notice" }, "Low confidence: the site says little Orbit could match; check the suggestions.") : null,
      r.summary ? h("p", {}, r.summary) : null,
      r.keywords && r.keywords.length ? h("p", { class: "hint" }, "Keywords: ", r.keywords.slice(0, 12).join(", ")) : null,
      h("h3", {}, "Suggested topics"),
      r.topics.length ? h("ul", { class: "list", "aria-label": "Suggested topics" }, items) : h("p", {}, "No topic matched."),
      use, note);
  }

  clear(root, form);
}
