// The inspector: one service, what the spec says it receives and sends, and what it did lately.
"use strict";

import { api } from "./api.js";
import { el, clock, duration } from "./dom.js";

export class Inspector {
  constructor(root, { openTrace, selectService }) {
    this.root = root;
    this.openTrace = openTrace;
    this.selectService = selectService;
    this.name = null;
  }

  async show(name) {
    this.name = name;
    const data = await api("GET", `/api/console/services/${encodeURIComponent(name)}`);
    if (data.name !== this.name) return;
    this.root.replaceChildren(...this.render(data));
  }

  refresh() {
    if (this.name) this.show(this.name).catch((e) => console.warn(e));
  }

  flows(title, flows, arrow) {
    if (!flows.length) return el("p", { class: "muted" }, `${title}: nothing`);
    return el("div", { class: "flows" },
      el("h4", {}, title),
      el("ul", { class: "flow-list" }, ...flows.map((f) =>
        el("li", { "data-message": f.message, title: f.summary },
          el("span", { class: "event-type" }, f.message), " ",
          el("span", { class: "count-pill", title: "published so far" }, String(f.count)), " ",
          el("span", { class: "muted" }, arrow, " "),
          ...f.services.flatMap((s, i) => [i ? ", " : "", el("button", { type: "button", class: "link-button", onclick: () => this.selectService(s) }, s)]),
        ))),
    );
  }

  render(d) {
    const h = d.health;
    return [
      el("h3", { class: "inspector-name", "data-inspected": d.name }, d.name),
      el("p", {}, d.description),
      el("dl", { class: "facts" },
        el("dt", {}, "outside triggers"), el("dd", {}, d.triggers.join(", ") || "none (only events)"),
        el("dt", {}, "ports"), el("dd", {}, d.ports.join(", ")),
        el("dt", {}, "owns"), el("dd", {}, d.owns.join(", ") || "nothing"),
        el("dt", {}, "deliveries"), el("dd", {},
          `${h.delivered} handled`,
          el("span", { class: h.failed ? "error" : "" }, `, ${h.failed} failed`),
          el("span", { class: h.dead_letters ? "error" : "" }, `, ${h.dead_letters} dead letters`)),
      ),
      el("h4", {}, "Recent deliveries"),
      d.deliveries.length
        ? el("ol", { class: "deliveries" }, ...d.deliveries.slice(0, 25).map((s) =>
          el("li", { class: `outcome-${s.kind}`, "data-step": s.seq },
            el("button", { type: "button", class: "link-button event-type", title: "open its trace", onclick: () => this.openTrace(s.correlation_id) }, s.detail_type),
            el("div", { class: "delivery-facts" },
              el("span", {}, clock(s.at)),
              s.attempt > 1 ? el("span", { class: "attempt" }, `attempt ${s.attempt}`) : "",
              el("span", { class: "took" }, duration(s.duration_ms)),
              el("span", { class: s.kind === "failed" ? "error outcome" : "ok outcome" }, s.kind === "failed" ? `failed: ${s.error}` : "handled"),
            ),
          )))
        : el("p", { class: "muted" }, "Nothing delivered to it yet."),
      this.flows("Receives", d.receives, "from"),
      this.flows("Sends", d.sends, "to"),
      el("h4", {}, "Dead letters"),
      d.dead_letters.length
        ? el("ul", { class: "letters" }, ...d.dead_letters.map((l) =>
          el("li", { class: "error" }, `${l.detail_type || "(arrival)"}: ${l.error_code}: ${l.error_message} `,
            el("button", { type: "button", class: "link-button", onclick: () => this.openTrace(l.correlation_id) }, "trace"))))
        : el("p", { class: "muted" }, "None."),
      el("h4", {}, "Calls to the outside world"),
      d.calls.length
        ? el("ul", { class: "calls" }, ...d.calls.slice(0, 15).map((c) =>
          el("li", { class: c.error ? "error" : "" },
            `${clock(c.at)} ${c.port}.${c.method} `, el("span", { class: "muted" }, `(${c.backend.split(" ")[0]}, ${duration(c.duration_ms)})`),
            c.error ? ` — ${c.error}` : "")))
        : el("p", { class: "muted" }, "None: it calls no outside system, or has not yet."),
    ];
  }
}
