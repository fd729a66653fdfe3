// Opens a run page in Debian's Chromium with no network, and prints what a person
// would see as JSON: every request the page tried, the images and whether they drew,
// the timeline rows, the cost table, and screenshots of the page and its timeline.
// Usage: node check_page.mjs PAGE.html SHOTS_DIR   (playwright-core from NODE_PATH)
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.PLAYWRIGHT_NODE_MODULES, "x.js"));
const { chromium } = require("playwright-core");

const [page_file, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  const requests = [];
  context.on("request", (request) => requests.push(request.url()));
  const page = await context.newPage();
  await page.goto("file://" + path.resolve(page_file), { waitUntil: "load" });
  const seen = await page.evaluate(() => {
    const rows = (selector) => [...document.querySelectorAll(selector)].map((row) => ({ ...row.dataset }));
    return {
      title: document.title,
      state: document.querySelector("#run-state")?.textContent,
      durationMs: Number(document.querySelector("#run-duration")?.dataset.ms),
      costUsd: Number(document.querySelector("#run-cost")?.dataset.usd),
      images: [...document.querySelectorAll("#report img")].map((img) => ({
        alt: img.alt, source: img.dataset.source || "", drawn: img.complete && img.naturalWidth > 0,
        inline: img.src.startsWith("data:"),
      })),
      spans: rows("#spans tr.span"),
      steps: rows("#steps tr[data-step]"),
      costSteps: rows("#cost-steps tr[data-name]"),
      costAgents: rows("#cost-agents tr[data-name]"),
      fates: rows("#fates tr[data-path]"),
      bars: document.querySelectorAll("#timeline svg rect").length,
      reportText: document.querySelector("#report")?.innerText || "",
    };
  });
  await page.screenshot({ path: path.join(shots, "run-page.png"), fullPage: true });
  await page.locator("#timeline").screenshot({ path: path.join(shots, "run-page-timeline.png") });
  console.log(JSON.stringify({ ...seen, requests }));
} finally {
  await browser.close();
}
