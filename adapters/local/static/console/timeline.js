// The timeline: every event, newest first, saying which app, environment and pull request it concerns;
// filtered on the server (and the same filters applied to what streams in live).
"use strict";

import { api } from "./api.js";
import { $, el, clock, soon, field } from "./dom.js";

const PAGE = 100;
const MAX_ROWS = 600;

export class Timeline {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { openTrace, receiversOf(type) }
    this.filters = {};
    this.correlations = new Set(); // of rows matching an environment filter: their live siblings match too
    this.oldest = null;
    this.build();
  }

  build() {
    const service = el("select", { name: "service" }, el("option", { value: "" }, "any service"));
    const type = el("select", { name: "type" }, el("option", { value: "" }, "any event"));
    const environment = el("select", { name: "environment" }, el("option", { value: "" }, "any environment"));
    const pr = el("input", { name: "pr", type: "number", min: "1", inputmode: "numeric", placeholder: "any" });
    const text = el("input", { name: "q", type: "search", placeholder: "text in the event" });
    this.form = el("form", { class: "filters", id: "timeline-filters", role: "search" },
      field("Service", service), field("Event type", type), field("Environment", environment),
      field("Pull request #", pr), field("Search", text),
      el("button", { type: "reset", class: "secondary" }, "Clear filters"),
    );
    this.form.addEventListener("change", () => this.apply());
    text.addEventListener("input", () => soon("timeline-text", () => this.apply(), 300));
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.apply(); });
    this.form.addEventListener("reset", () => setTimeout(() => this.apply(), 0));
    this.list = el("ol", { id: "timeline", class: "timeline", "aria-live": "polite", "aria-relevant": "additions" });
    this.count = el("p", { class: "muted", id: "timeline-count" });
    this.more = el("button", { type: "button", class: "secondary", id: "timeline-more", hidden: true, onclick: () => this.load(true) }, "Load older events");
    this.root.append(this.form, this.count, this.list, this.more);
  }

  setOptions({ services, messages, environments }) {
    const fill = (select, options) => {
      const keep = select.value;
      select.replaceChildren(select.firstElementChild, ...options.map(([value, label]) => el("option", { value }, label)));
      select.value = options.some(([v]) => v === keep) ? keep : "";
    };
    if (services) fill(this.form.elements.service, services.map((s) => [s, s]));
    if (messages) fill(this.form.elements.type, messages.map((m) => [m, m]));
    if (environments) fill(this.form.elements.environment, environments);
  }

  apply() {
    const data = new FormData(this.form);
    this.filters = {};
    for (const [key, value] of data.entries()) if (String(value).trim()) this.filters[key] = String(value).trim();
    return this.load(false);
  }

  async load(older) {
    const query = new URLSearchParams({ ...this.filters, limit: String(PAGE) });
    if (older && this.oldest) query.set("before", String(this.oldest));
    const entries = await api("GET", `/api/console/events?${query}`);
    if (!older) { this.list.replaceChildren(); this.correlations.clear(); }
    for (const entry of entries) {
      if (this.filters.environment) this.correlations.add(entry.correlation_id);
      this.list.append(this.row(entry));
    }
    this.oldest = entries.length ? entries[entries.length - 1].seq : this.oldest;
    this.more.hidden = entries.length < PAGE;
    this.updateCount();
    return entries;
  }

  updateCount() {
    const n = this.list.children.length;
    const filtered = Object.keys(this.filters).length;
    this.count.textContent = n
      ? `${n} event${n === 1 ? "" : "s"}${filtered ? " matching the filters" : ""}, newest first. Select one for its trace.`
      : filtered ? "No event matches these filters." : "No events yet: create an app or send a webhook.";
  }

  matches(e) {
    const f = this.filters;
    if (f.service && e.service !== f.service && !this.ctx.receiversOf(e.detail_type).includes(f.service)) return false;
    if (f.type && e.detail_type !== f.type) return false;
    if (f.environment && !(e.environment && e.environment.id === f.environment) && !this.correlations.has(e.correlation_id)) return false;
    if (f.pr && String(e.pr_number) !== f.pr) return false;
    if (f.q && !(e.detail_type + " " + JSON.stringify(e.detail)).toLowerCase().includes(f.q.toLowerCase())) return false;
    return true;
  }

  onEvent(entry) {
    if (!this.matches(entry)) return;
    if (this.filters.environment) this.correlations.add(entry.correlation_id);
    this.list.prepend(this.row(entry));
    while (this.list.children.length > MAX_ROWS) this.list.lastChild.remove();
    this.updateCount();
  }

  clear() {
    this.list.replaceChildren();
    this.oldest = null;
    this.updateCount();
  }

  row(e) {
    const receivers = this.ctx.receiversOf(e.detail_type);
    const chips = [];
    if (e.app) chips.push(el("span", { class: "chip chip-app", title: e.app.id }, `app ${e.app.name}`));
    if (e.environment) chips.push(el("span", { class: "chip chip-env", title: e.environment.id }, `${e.environment.type} ${e.environment.branch}`));
    if (e.pr_number) chips.push(el("span", { class: "chip chip-pr" }, `PR #${e.pr_number}`));
    if (e.repository && !e.app) chips.push(el("span", { class: "chip" }, e.repository));
    const open = () => this.ctx.openTrace(e.correlation_id, e.id);
    const item = el("li", {
      class: "event-row", "data-event-type": e.detail_type, "data-seq": e.seq, "data-correlation": e.correlation_id,
      tabindex: "0", role: "button", "aria-label": `${e.detail_type} from ${e.service}; open its trace`,
    },
      el("span", { class: "time" }, clock(e.time)),
      el("span", { class: "event-type" }, e.detail_type),
      el("span", { class: "route" }, `${e.service} → ${receivers.join(", ") || "(no one)"}`),
      el("span", { class: "chips" }, ...chips),
    );
    item.addEventListener("click", open);
    item.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
    return item;
  }
}

export { $ };
