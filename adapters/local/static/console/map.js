// The map: one node per service and one arrow per (sender, receiver) from the spec, laid out by the server.
// Arrows count the events they carried and flash as one passes; failures and dead letters mark their service.
"use strict";

import { el, svg, $, $$ } from "./dom.js";

function pathOf(points, back) {
  // Straight where the route is straight (inside a column's gap, or up and down for back edges); an S-curve
  // with horizontal tangents between columns.
  let d = `M ${points[0][0]} ${points[0][1]}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    if (x0 === x1 || y0 === y1) d += ` L ${x1} ${y1}`;
    else {
      const mid = (x0 + x1) / 2;
      d += ` C ${mid} ${y0} ${mid} ${y1} ${x1} ${y1}`;
    }
  }
  return d;
}

export class ServiceMap {
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.data = null;
    this.selected = null;
  }

  render(data) {
    this.data = data;
    this.counts = { ...data.counts };
    this.doors = { ...data.door_counts };
    this.health = {};
    for (const node of data.nodes) this.health[node.name] = { delivered: 0, failed: 0, dead_letters: 0, ...(data.health[node.name] || {}) };
    const width = data.width, height = data.height;
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, class: "map", role: "group",
      "aria-label": `${data.nodes.length} services and the events between them`,
    });
    root.append(svg("defs", {},
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" })),
      svg("marker", { id: "arrow-hot", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead hot" })),
    ));
    const links = svg("g", { class: "links" });
    const labels = svg("g", { class: "labels" });
    this.links = new Map();
    for (const link of data.links) {
      const path = svg("path", {
        class: link.back ? "link back" : "link", d: pathOf(link.points, link.back), "marker-end": "url(#arrow)",
        "data-link": link.id,
      }, svg("title", {}, `${link.sender} → ${link.receiver}: ${link.messages.join(", ")}`));
      const label = svg("g", { class: "count", "data-count": link.id, hidden: true },
        svg("rect", { rx: "8", ry: "8", width: "28", height: "16" }),
        svg("text", { "text-anchor": "middle", "dominant-baseline": "central" }, "0"),
      );
      links.append(path);
      labels.append(label);
      this.links.set(link.id, { link, path, label });
    }
    const nodes = svg("g", { class: "nodes" });
    this.nodes = new Map();
    for (const node of data.nodes) {
      const group = svg("g", {
        class: "node", "data-service": node.name, transform: `translate(${node.x} ${node.y})`,
        tabindex: "0", role: "button", "aria-pressed": "false",
      },
        svg("title", {}, node.description),
        svg("rect", { class: "box", width: data.node_width, height: data.node_height, rx: "9", ry: "9" }),
        svg("text", { class: "name", x: "10", y: "22" }, node.name),
        svg("text", { class: "doors", x: "10", y: "40" }, ""),
        svg("text", { class: "stats", x: "10", y: "57" }, ""),
        svg("g", { class: "badge", transform: `translate(${data.node_width - 14} 0)`, hidden: true },
          svg("circle", { r: "11", cx: "0", cy: "0" }),
          svg("text", { "text-anchor": "middle", "dominant-baseline": "central" }, "0")),
      );
      group.addEventListener("click", () => this.onSelect(node.name));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); this.onSelect(node.name); }
      });
      nodes.append(group);
      this.nodes.set(node.name, group);
    }
    root.append(links, nodes, labels);
    this.container.replaceChildren(root);
    for (const { path, label } of this.links.values()) {
      const middle = path.getPointAtLength(path.getTotalLength() / 2);
      label.setAttribute("transform", `translate(${Math.round(middle.x - 14)} ${Math.round(middle.y - 8)})`);
      $("text", label).setAttribute("x", "14");
      $("text", label).setAttribute("y", "8");
    }
    for (const name of this.nodes.keys()) this.paintNode(name);
    for (const id of this.links.keys()) this.paintLink(id);
    if (this.selected) this.select(this.selected);
  }

  linkCount(link) {
    return link.messages.reduce((sum, m) => sum + (this.counts[`${link.sender}|${m}`] || 0), 0);
  }

  paintLink(id) {
    const { link, path, label } = this.links.get(id);
    const count = this.linkCount(link);
    $("text", label).textContent = String(count);
    label.toggleAttribute("hidden", count === 0);
    const lines = link.messages.map((m) => `${m}: ${this.counts[`${link.sender}|${m}`] || 0}`);
    $("title", path).textContent = `${link.sender} → ${link.receiver}\n${lines.join("\n")}`;
  }

  paintNode(name) {
    const group = this.nodes.get(name);
    const node = this.data.nodes.find((n) => n.name === name);
    const h = this.health[name];
    // a door (webhooks, reports, logs) counts its arrivals; the API and the schedule are commands
    const doors = node.triggers.map((t) => {
      const key = `${t}|${name}`;
      return key in this.doors ? `⇢ ${t} ${this.doors[key]}` : `⇢ ${t}`;
    });
    $(".doors", group).textContent = doors.join("  ") || `${node.receives.length} event types in`;
    $(".stats", group).textContent = `received ${h.delivered}` + (h.failed ? ` · failed ${h.failed}` : "");
    group.classList.toggle("failing", h.failed > 0);
    group.classList.toggle("dead", h.dead_letters > 0);
    const badge = $(".badge", group);
    badge.toggleAttribute("hidden", !h.dead_letters);
    $("text", badge).textContent = String(h.dead_letters);
    const state = [h.failed ? `${h.failed} failed attempts` : "", h.dead_letters ? `${h.dead_letters} dead letters` : ""].filter(Boolean);
    group.setAttribute("aria-label", `${name}: received ${h.delivered}${state.length ? ", " + state.join(", ") : ""}. Open the inspector.`);
  }

  select(name) {
    this.selected = name;
    for (const [n, group] of this.nodes) {
      group.classList.toggle("selected", n === name);
      group.setAttribute("aria-pressed", String(n === name));
    }
    for (const { link, path } of this.links.values()) {
      path.classList.toggle("related", link.sender === name || link.receiver === name);
    }
  }

  flash(path) {
    path.classList.remove("flash");
    path.getBoundingClientRect(); // restart the animation
    path.classList.add("flash");
    path.setAttribute("marker-end", "url(#arrow-hot)");
    clearTimeout(path.flashTimer);
    path.flashTimer = setTimeout(() => { path.classList.remove("flash"); path.setAttribute("marker-end", "url(#arrow)"); }, 900);
  }

  onEvent(entry) {
    if (!this.data) return;
    const key = `${entry.service}|${entry.detail_type}`;
    this.counts[key] = (this.counts[key] || 0) + 1;
    for (const [id, { link, path }] of this.links) {
      if (link.sender === entry.service && link.messages.includes(entry.detail_type)) {
        this.paintLink(id);
        this.flash(path);
      }
    }
  }

  onStep(step) {
    if (!this.data) return;
    const service = step.target_service;
    if (step.kind === "delivered" && service && this.triggerOf(step.source_service)) {
      const key = `${step.source_service}|${service}`;
      this.doors[key] = (this.doors[key] || 0) + 1;
    }
    if (!service || !this.health[service]) return;
    const h = this.health[service];
    if (step.kind === "delivered") h.delivered += 1;
    else if (step.kind === "failed") h.failed += 1;
    else if (step.kind === "dead-lettered") h.dead_letters += 1;
    else if (step.kind === "redriven") h.dead_letters = Math.max(0, h.dead_letters - 1);
    else return;
    this.paintNode(service);
  }

  triggerOf(name) {
    return Object.prototype.hasOwnProperty.call(this.data.triggers, name);
  }

  services() {
    return this.data ? this.data.nodes.map((n) => n.name) : [];
  }
}

export function legend() {
  return el("p", { class: "legend" },
    el("span", { class: "key key-link" }), " events from one service to another (the number: how many so far) ",
    el("span", { class: "key key-back" }), " against the flow ",
    el("span", { class: "key key-failing" }), " failed deliveries ",
    el("span", { class: "key key-dead" }), " dead letters waiting",
  );
}

export { $$ };
