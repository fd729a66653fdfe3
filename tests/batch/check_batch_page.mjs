// Opens a batch page in Debian's Chromium with no network and prints, as JSON, what a
// person sees: the facts, one entry per item row, and for each item's link the run
// page it opens (its run id and state), plus every request the pages tried.
// Usage: node check_batch_page.mjs PAGE.html SHOT.png   (playwright-core from
// PLAYWRIGHT_NODE_MODULES)
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.PLAYWRIGHT_NODE_MODULES, "x.js"));
const { chromium } = require("playwright-core");

const [pageFile, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 700 } });
  const requests = [];
  // Documents are the pages we open; anything else would be a fetch the page makes.
  context.on("request", (request) => {
    if (request.resourceType() !== "document") requests.push(request.url());
  });
  const page = await context.newPage();
  await page.goto("file://" + path.resolve(pageFile), { waitUntil: "load" });
  const seen = await page.evaluate(() => ({
    title: document.title,
    items: Number(document.querySelector("#batch-items")?.textContent),
    finished: Number(document.querySelector("#batch-finished")?.textContent),
    costUsd: Number(document.querySelector("#batch-cost")?.dataset.usd),
    rows: [...document.querySelectorAll("#items tr.item")].map((row) => ({
      ...row.dataset,
      text: row.innerText,
      link: row.querySelector("a")?.getAttribute("href") || null,
    })),
  }));
  await page.screenshot({ path: shot, fullPage: true });
  const opened = [];
  for (const row of seen.rows) {
    if (!row.link) continue;
    await page.goto("file://" + path.resolve(path.dirname(pageFile), row.link), { waitUntil: "load" });
    opened.push(await page.evaluate(() => ({
      runId: document.querySelector("#run-id")?.textContent,
      state: document.querySelector("#run-state")?.textContent,
    })));
  }
  console.log(JSON.stringify({ ...seen, opened, requests }));
} finally {
  await browser.close();
}
