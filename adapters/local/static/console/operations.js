// Operations: every call made to the outside world, and the dead letters with redrive.
"use strict";

import { api } from "./api.js";
import { $, el, clock, duration, field, jsonView } from "./dom.js";

const PORTS = { github: "GitHub", flyio: "fly.io (runtime)", dns: "DNS" };

function brief(value, max = 90) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text && text.length > max ? text.slice(0, max - 1) + "…" : text || "";
}

export class Outside {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { openTrace }
    this.port = el("select", { id: "outside-port", name: "port" }, el("option", { value: "" }, "all"),
      ...Object.entries(PORTS).map(([v, l]) => el("option", { value: v }, l)));
    this.service = el("select", { id: "outside-service", name: "service" }, el("option", { value: "" }, "any"));
    this.failed = el("input", { id: "outside-failed", type: "checkbox", name: "failed" });
    this.backends = el("p", { id: "outside-backends", class: "muted" });
    this.table = el("table", { id: "outside-calls", class: "grid" },
      el("colgroup", {}, ...["c-time", "c-call", "c-args", "c-result", "c-took", "c-by"].map((c) => el("col", { class: c }))),
      el("thead", {}, el("tr", {}, ...["time", "call", "asked", "answered", "took", "by"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}));
    this.detail = el("div", { id: "outside-detail", class: "json-view" });
    const form = el("form", { class: "filters", id: "outside-filters" },
      field("System", this.port), field("Called by", this.service),
      el("label", { class: "inline", for: "outside-failed" }, this.failed, " failed calls only"));
    form.addEventListener("change", () => this.load());
    form.addEventListener("submit", (e) => { e.preventDefault(); this.load(); });
    this.empty = el("p", { class: "muted", id: "outside-empty" }, "No calls yet.");
    root.append(
      el("p", { class: "muted" }, "Every call wing.cloud made to GitHub, fly.io (or the runtime standing in for it) and DNS, with what it answered. Tokens and secret values are never kept. The newest 5,000 calls are kept in outside-calls.sqlite3 in the data dir; a reset empties it."),
      this.backends, form, this.empty, this.table, this.detail);
  }

  setServices(services) {
    const keep = this.service.value;
    this.service.replaceChildren(this.service.firstElementChild, ...services.map((s) => el("option", { value: s }, s)));
    this.service.value = keep;
  }

  async load() {
    const query = new URLSearchParams({ limit: "200" });
    if (this.port.value) query.set("port", this.port.value);
    if (this.service.value) query.set("service", this.service.value);
    if (this.failed.checked) query.set("failed", "true");
    const data = await api("GET", `/api/console/outside?${query}`);
    this.backends.textContent = "Answering now: " + Object.entries(data.backends).map(([p, b]) => `${PORTS[p] || p}: ${b}`).join(" · ");
    this.empty.hidden = data.calls.length > 0;
    this.table.hidden = data.calls.length === 0;
    $("tbody", this.table).replaceChildren(...data.calls.map((c) => {
      const row = el("tr", { "data-call": c.seq, "data-port": c.port, class: c.error ? "failed" : "", tabindex: "0" },
        el("td", {}, clock(c.at)),
        el("td", {}, el("strong", {}, PORTS[c.port] || c.port), el("div", {}, el("code", {}, c.method))),
        el("td", { class: "wrap" }, brief(c.args)),
        el("td", { class: c.error ? "error wrap" : "wrap" }, c.error ? c.error : brief(c.result)),
        el("td", {}, duration(c.duration_ms)),
        el("td", {}, c.service || el("span", { class: "muted" }, "the server"),
          c.correlation_id ? el("div", {}, el("button", { type: "button", class: "link-button", onclick: (e) => { e.stopPropagation(); this.ctx.openTrace(c.correlation_id); } }, "trace")) : ""),
      );
      const show = () => this.detail.replaceChildren(el("h4", {}, `${c.port}.${c.method} at ${clock(c.at)} (${c.backend})`), jsonView({ asked: c.args, answered: c.result, error: c.error }));
      row.addEventListener("click", show);
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") show(); });
      return row;
    }));
  }
}

export class DeadLetters {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { openTrace, notify }
    this.table = el("table", { id: "dead-letters", class: "grid" },
      el("thead", {}, el("tr", {}, ...["service", "event", "error", "attempts", "at", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}));
    this.empty = el("p", { class: "muted", id: "dead-letters-empty" }, "No dead letters: every delivery succeeded or is still being retried.");
    root.append(el("p", { class: "muted" }, "Deliveries that failed for good, with the error. Redrive one once its cause is fixed: it is delivered again with fresh attempts."), this.empty, this.table);
  }

  async load() {
    const letters = await api("GET", "/api/dead-letters");
    this.empty.hidden = letters.length > 0;
    this.table.hidden = letters.length === 0;
    $("tbody", this.table).replaceChildren(...letters.map((d) =>
      el("tr", { "data-letter-id": d.id, "data-letter-service": d.service || "" },
        el("td", {}, d.service || "–", el("div", { class: "muted small" }, d.target || "(rejected at publish)")),
        el("td", {}, d.detail_type || "–"),
        el("td", { class: "error wrap" }, `${d.error_code}: ${d.error_message}`),
        el("td", {}, String(d.attempts)),
        el("td", {}, clock(d.at)),
        el("td", { class: "actions" },
          el("button", { type: "button", class: "redrive", disabled: !d.target || undefined, onclick: () => this.redrive(d) }, "Redrive"),
          el("button", { type: "button", class: "secondary", onclick: () => this.ctx.openTrace(d.correlation_id) }, "Trace")),
      )));
    return letters;
  }

  async redrive(letter) {
    try {
      await api("POST", `/api/dead-letters/${encodeURIComponent(letter.id)}/redrive`);
      this.ctx.notify(`Redriving ${letter.detail_type} to ${letter.service}.`);
    } catch (error) {
      this.ctx.notify(error.message, true);
    }
    await this.load();
  }
}
