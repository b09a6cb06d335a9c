// Renders every ```mermaid block of the given Markdown files (or folders of them) in ONE headless Chromium
// and fails naming the file, line and block of each diagram that does not parse or render.
//
//   node tools/mermaid/check.mjs [--svg-dir DIR] docs       (MERMAID_CHECK_TIMES=1 prints each block's time)
//
// Chromium is the one `wingcloud docs check-mermaid` found (CHROMIUM_PATH; puppeteer.json's path otherwise);
// Puppeteer's own download is never used.
import fs from "node:fs";
import path from "node:path";
import url from "node:url";
import puppeteer from "puppeteer";

const here = path.dirname(url.fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const options = { svgDir: null, paths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--svg-dir") options.svgDir = argv[(i += 1)];
    else options.paths.push(argv[i]);
  }
  if (options.paths.length === 0) {
    console.error("usage: node check.mjs [--svg-dir DIR] PATH...");
    process.exit(2);
  }
  return options;
}

function markdownFiles(target) {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target, { withFileTypes: true })
    .filter((entry) => entry.name !== "node_modules" && !entry.name.startsWith("."))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      if (entry.isDirectory()) return markdownFiles(full);
      return entry.name.endsWith(".md") ? [full] : [];
    });
}

function mermaidBlocks(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const blocks = [];
  let open = null;
  lines.forEach((line, index) => {
    if (open === null && /^\s*```mermaid\s*$/.test(line)) {
      open = { file, line: index + 1, number: blocks.length + 1, body: [] };
    } else if (open !== null && /^\s*```\s*$/.test(line)) {
      blocks.push({ ...open, definition: open.body.join("\n") });
      open = null;
    } else if (open !== null) {
      open.body.push(line);
    }
  });
  if (open !== null) blocks.push({ ...open, definition: null });
  return blocks;
}

// One page loads mermaid once (the very build mermaid-cli renders with); every block is then rendered in it.
// mermaid-cli's renderMermaid opens a fresh page per diagram (~1.3 s each here), far too slow for CI.
async function renderAll(browser, blocks, svgDir) {
  const page = await browser.newPage();
  // A laptop-width page holding a 980 px column, GitHub's width for rendered Markdown.
  await page.setViewport({ width: 1280, height: 900 });
  await page.setContent('<!doctype html><html><body><div id="container" style="width: 980px"></div></body></html>');
  await page.addScriptTag({ path: path.join(here, "node_modules", "mermaid", "dist", "mermaid.min.js") });
  await page.evaluate(() => globalThis.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
  const manifest = path.join(here, "node_modules", "mermaid", "package.json");
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
  const failures = [];
  for (const [index, block] of blocks.entries()) {
    if (block.definition === null) {
      failures.push({ block, message: "the ```mermaid fence is never closed" });
      continue;
    }
    const begun = Date.now();
    const result = await page.evaluate(
      async (definition, id, keep) => {
        try {
          const { svg } = await globalThis.mermaid.render(id, definition);
          // Lay the diagram out for real and look for labels drawn over each other: a diagram that parses can
          // still be unreadable (an edge label hidden under another, or under a box).
          const shown = document.getElementById("container");
          shown.innerHTML = svg;
          const labels = [...shown.querySelectorAll("g.edgeLabel, text.messageText, text.loopText, text.noteText")]
            .map((element) => ({ text: element.textContent.trim(), box: element.getBoundingClientRect(), kind: "label" }))
            .filter((label) => label.text && label.box.width > 0 && label.box.height > 0);
          const boxes = [...shown.querySelectorAll("g.node, g.actor-top, g.actor-bottom, rect.actor")]
            .map((element) => ({ text: element.textContent.trim(), box: element.getBoundingClientRect(), kind: "box" }))
            .filter((box) => box.box.width > 0 && box.box.height > 0);
          const overlap = (a, b) => {
            const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            return width > 2 && height > 2 ? width * height : 0;
          };
          const overlaps = [];
          labels.forEach((a, i) => {
            for (const b of [...labels.slice(i + 1), ...boxes]) {
              const area = overlap(a.box, b.box);
              const smaller = Math.min(a.box.width * a.box.height, b.box.width * b.box.height);
              if (area > 0.1 * smaller) {
                overlaps.push(`label "${a.text}" overlaps ${b.kind === "box" ? "the box " : "the label "}"${b.text}"`);
              }
            }
          });
          // At the page width the docs are read at, mermaid scales a wide diagram down to fit; past a point
          // its text is too small to read. 16 px text scaled below 10 px is where that point is put.
          const svgElement = shown.querySelector("svg");
          const natural = svgElement?.viewBox?.baseVal?.width ?? 0;
          const drawn = svgElement?.getBoundingClientRect().width ?? 0;
          const scale = natural > 0 && drawn > 0 ? drawn / natural : 1;
          shown.innerHTML = "";
          if (overlaps.length > 0) return { overlaps };
          if (scale * 16 < 10) {
            const shrunk = (scale * 16).toFixed(1);
            return { overlaps: [`it is ${Math.round(natural)} px wide: in ${shown.clientWidth} px its text shrinks to ${shrunk} px`] };
          }
          if (!keep) return {};
          // Re-serialise as XML: mermaid's labels are HTML (<br>) that a standalone .svg file cannot hold.
          const holder = document.createElement("div");
          holder.innerHTML = svg;
          return { svg: new XMLSerializer().serializeToString(holder.firstElementChild) };
        } catch (error) {
          return { error: String(error?.message ?? error) };
        } finally {
          document.getElementById(id)?.remove();
          document.getElementById(`d${id}`)?.remove();
        }
      },
      block.definition,
      `diagram${index}`,
      Boolean(svgDir),
    );
    if (process.env.MERMAID_CHECK_TIMES) console.log(`${block.file}:${block.line} ${Date.now() - begun} ms`);
    if (result.error !== undefined) {
      failures.push({ block, message: result.error.split("\n").slice(0, 4).join("\n    ") });
    } else if (result.overlaps !== undefined) {
      failures.push({ block, message: result.overlaps.join("; "), kind: "overlaps" });
    } else if (svgDir) {
      const name = `${path.basename(block.file, ".md")}-${block.number}.svg`;
      fs.mkdirSync(svgDir, { recursive: true });
      fs.writeFileSync(path.join(svgDir, name), result.svg);
    }
  }
  await page.close();
  return { failures, version };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const blocks = options.paths.flatMap(markdownFiles).flatMap(mermaidBlocks);
  const config = JSON.parse(fs.readFileSync(path.join(here, "puppeteer.json"), "utf8"));
  if (process.env.CHROMIUM_PATH) config.executablePath = process.env.CHROMIUM_PATH;
  const browser = await puppeteer.launch(config);
  let outcome;
  try {
    outcome = await renderAll(browser, blocks, options.svgDir);
  } finally {
    await browser.close();
  }
  const { failures, version } = outcome;
  failures.sort((a, b) => a.block.file.localeCompare(b.block.file) || a.block.line - b.block.line);
  for (const { block, message, kind } of failures) {
    const what = kind === "overlaps" ? "is unreadable" : "does not render";
    console.error(`${block.file}:${block.line}: mermaid block ${block.number} ${what}:\n    ${message}`);
  }
  const files = new Set(blocks.map((b) => b.file)).size;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${blocks.length - failures.length} of ${blocks.length} mermaid blocks in ${files} files rendered ` +
      `with mermaid ${version} (${seconds} s)`,
  );
  process.exit(failures.length > 0 ? 1 : 0);
}

await main();
