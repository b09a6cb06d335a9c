// The trace waterfall: a webhook's or request's deliveries on one time axis, one row per attempt, each
// nested under the attempt whose handler published its event; select a row for its envelope and error.
"use strict";

import { api, ApiError } from "./api.js";
import { $, $$, el, clock, duration, jsonView, ms } from "./dom.js";

const MARKS = { delivered: "✓", failed: "✗", "dead-lettered": "☠", rejected: "⊘" };

export class Waterfall {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { selectService }
    this.correlation = null;
    this.selected = null;
    this.head = el("div", { class: "trace-head", id: "trace-head" },
      el("p", { class: "muted" }, "Select an event in the timeline (or a delivery in the inspector) to see its trace here."));
    this.body = el("div", { class: "waterfall", id: "waterfall", role: "list" });
    this.detail = el("div", { class: "trace-detail", id: "trace-detail", "aria-live": "polite" });
    root.append(this.head, el("div", { class: "trace-split" }, this.body, this.detail));
  }

  async show(correlationId, focusEventId = null) {
    if (correlationId !== this.correlation) this.selected = null;
    this.correlation = correlationId;
    let data;
    try {
      data = await api("GET", `/api/console/traces/${encodeURIComponent(correlationId)}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      this.head.replaceChildren(el("p", { class: "muted" }, `Nothing traced yet for ${correlationId}.`));
      this.body.replaceChildren();
      return;
    }
    if (this.correlation !== correlationId) return;
    this.data = data;
    this.render(data);
    const focus = this.selected !== null ? this.selected
      : focusEventId ? (data.rows.find((r) => r.event_id === focusEventId) || {}).id : null;
    if (focus !== null && focus !== undefined) this.select(focus, false);
  }

  refresh() {
    if (this.correlation) this.show(this.correlation).catch((e) => console.warn(e));
  }

  render(data) {
    const t0 = Math.min(...data.rows.map((r) => ms(r.queued_at || r.at) - (r.queued_at ? 0 : r.duration_ms || 0)), ms(data.started_at));
    const t1 = Math.max(ms(data.ended_at), ...data.rows.map((r) => ms(r.at)));
    const span = Math.max(t1 - t0, 1);
    const pct = (t) => `${Math.max(0, Math.min(100, ((t - t0) / span) * 100)).toFixed(3)}%`;
    const failed = data.rows.filter((r) => r.outcome !== "delivered").length;
    this.head.replaceChildren(
      el("h3", {}, "Trace ", el("code", { id: "trace-id" }, data.correlation_id)),
      el("p", {},
        `${data.rows.length} deliveries over ${duration(span)}, from ${clock(data.started_at)}`,
        failed ? el("span", { class: "error" }, ` · ${failed} not delivered`) : "",
        el("span", { class: "legend-inline" }, " ", el("span", { class: "key key-queue" }), " waiting ", el("span", { class: "key key-bar" }), " handler "),
      ),
    );
    const axis = el("div", { class: "wf-row wf-axis", "aria-hidden": "true" },
      el("div", { class: "wf-label" }, "service ← event"),
      el("div", { class: "wf-track" }, ...[0, 0.25, 0.5, 0.75, 1].map((f) => {
        const tick = el("span", { class: "tick" }, f ? `+${duration(span * f)}` : "0");
        tick.style.left = `${f * 100}%`;
        return tick;
      })),
    );
    const rows = data.rows.map((r) => {
      const end = ms(r.at);
      const start = r.duration_ms !== null ? end - r.duration_ms : end;
      const queued = r.queued_at ? ms(r.queued_at) : start;
      const queue = el("span", { class: "wf-queue" });
      queue.style.left = pct(queued);
      queue.style.width = `${Math.max(0, ((start - queued) / span) * 100).toFixed(3)}%`;
      const bar = el("span", { class: `wf-bar outcome-${r.outcome}` });
      bar.style.left = pct(start);
      bar.style.width = `${Math.max(0.4, ((end - start) / span) * 100).toFixed(3)}%`;
      const took = el("span", { class: "wf-took" }, duration(r.duration_ms));
      took.style.left = pct(end);
      const label = el("div", { class: "wf-label", title: `${r.service} ← ${r.detail_type}` },
        el("span", { class: `mark outcome-${r.outcome}`, "aria-hidden": "true" }, MARKS[r.outcome] || "·"), " ",
        el("strong", {}, r.service), " ← ", el("span", { class: "event-type" }, r.detail_type),
        r.attempt > 1 ? el("span", { class: "attempt" }, ` attempt ${r.attempt}`) : "",
      );
      label.style.paddingLeft = `${6 + r.depth * 16}px`;
      const row = el("div", {
        class: `wf-row outcome-${r.outcome}`, role: "listitem", tabindex: "0", "data-delivery": r.id, "data-depth": r.depth,
        "data-outcome": r.outcome, "data-handled-by": r.service, "data-detail-type": r.detail_type,
        "aria-label": `${r.service} handling ${r.detail_type}, attempt ${r.attempt}: ${r.outcome}, ${duration(r.duration_ms)}`,
      }, label, el("div", { class: "wf-track" }, queue, bar, took));
      row.addEventListener("click", () => this.select(r.id));
      row.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.select(r.id); }
        if (e.key === "ArrowDown" && row.nextElementSibling) { e.preventDefault(); row.nextElementSibling.focus(); }
        if (e.key === "ArrowUp" && row.previousElementSibling && !row.previousElementSibling.classList.contains("wf-axis")) { e.preventDefault(); row.previousElementSibling.focus(); }
      });
      return row;
    });
    this.body.replaceChildren(axis, ...rows);
    if (this.selected === null) this.detail.replaceChildren(el("p", { class: "muted" }, "Select a row for its envelope and error."));
  }

  async select(id, focus = true) {
    const r = this.data.rows.find((row) => row.id === id);
    if (!r) return;
    this.selected = id;
    for (const row of $$(".wf-row", this.body)) row.classList.toggle("selected", row.dataset.delivery === String(id));
    if (focus) { const row = $(`[data-delivery="${id}"]`, this.body); if (row) row.focus(); }
    const envelope = this.data.envelopes[r.event_id];
    const facts = el("dl", { class: "facts" },
      el("dt", {}, "service"), el("dd", {}, el("button", { type: "button", class: "link-button", onclick: () => this.ctx.selectService(r.service) }, r.service), r.target ? ` (${r.target})` : ""),
      el("dt", {}, "event"), el("dd", {}, `${r.detail_type} from ${r.source_service}`),
      el("dt", {}, "attempt"), el("dd", {}, String(r.attempt)),
      el("dt", {}, "outcome"), el("dd", { class: r.outcome === "delivered" ? "ok" : "error" }, r.outcome),
      el("dt", {}, "waited"), el("dd", {}, r.queued_at ? duration(ms(r.at) - (r.duration_ms || 0) - ms(r.queued_at)) : "–"),
      el("dt", {}, "handler"), el("dd", {}, duration(r.duration_ms)),
      el("dt", {}, "ended"), el("dd", {}, clock(r.at)),
    );
    const parts = [el("h4", {}, `${r.service} ← ${r.detail_type}`), facts];
    if (r.error) parts.push(el("h4", {}, "Error"), el("pre", { class: "error", id: "trace-error" }, r.error));
    if (envelope) {
      parts.push(el("h4", {}, "Envelope"), el("div", { class: "json-view", id: "trace-envelope" }, jsonView(envelope)));
      this.detail.replaceChildren(...parts);
      return;
    }
    this.detail.replaceChildren(...parts, el("p", { class: "muted" }, "Loading what came in…"));
    try {
      const arrival = await api("GET", `/api/console/arrivals/${encodeURIComponent(r.event_id)}`);
      if (this.selected !== id) return;
      this.detail.replaceChildren(...parts,
        el("h4", {}, `Arrival: ${arrival.door} ${arrival.name} (${arrival.id})`),
        el("div", { class: "json-view", id: "trace-envelope" }, jsonView(arrival.body)));
    } catch (error) {
      if (this.selected === id) this.detail.replaceChildren(...parts, el("p", { class: "muted" }, error.message));
    }
  }
}
