/**
 * Headless Chromium loads the static website and everything the page references, on
 * the socket stack (loopback) and on the direct stack (Chromium inside the network
 * namespace, the unikernel on a tap there). A second load is a reload: Chromium
 * revalidates the document with If-None-Match / If-Modified-Since, and the wire status
 * (seen through the DevTools protocol, which reports the raw response) must be 304.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { buildScratchCopy } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { watch, type Running } from "../../test/support/unikernel-process.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
// chromium.launch gives every browser a fresh temporary profile (--user-data-dir) itself.
const ASSETS = ["/", "/style.css", "/app.js", "/img/logo.svg"];

interface PageLoad {
  title: string;
  scriptText: string;
  h1Color: string;
  imageWidth: number;
  /** Wire status of each network response by path, from the DevTools protocol. */
  statuses: Map<string, number>;
  /** The document request's headers as sent on the wire, names in lower case. */
  documentHeaders: Record<string, string>;
  consoleErrors: string[];
}

/** Loads `url` then reloads it in one fresh context; returns what each load showed. */
async function loadTwice(browser: Browser, url: string): Promise<[PageLoad, PageLoad]> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    let current: PageLoad | undefined;
    // The protocol's events for one request may come in any order: join them by id.
    const paths = new Map<string, string>();
    const wireStatus = new Map<string, number>();
    const wireHeaders = new Map<string, Record<string, string>>();
    cdp.on("Network.requestWillBeSent", (e) => paths.set(e.requestId, new URL(e.request.url).pathname));
    cdp.on("Network.requestWillBeSentExtraInfo", (e) =>
      wireHeaders.set(e.requestId, Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))),
    );
    // ExtraInfo carries the status as received, before the cache turns a 304 into the cached 200.
    cdp.on("Network.responseReceivedExtraInfo", (e) => wireStatus.set(e.requestId, e.statusCode));
    page.on("console", (m) => m.type() === "error" && current?.consoleErrors.push(m.text()));
    page.on("pageerror", (e) => current?.consoleErrors.push(String(e)));
    page.on("requestfailed", (r) => current?.consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    const snapshot = async (): Promise<PageLoad> => {
      const load = current!;
      for (const [id, status] of wireStatus) load.statuses.set(paths.get(id) ?? `?${id}`, status);
      for (const [id, headers] of wireHeaders) if (paths.get(id) === "/") load.documentHeaders = headers;
      wireStatus.clear();
      wireHeaders.clear();
      // Page-side code as strings: this project compiles without the DOM library.
      await page.waitForFunction(`document.getElementById("js")?.textContent === "Script loaded."`, undefined, { timeout: 10_000 }).catch(() => undefined);
      load.title = await page.title();
      load.scriptText = (await page.textContent("#js")) ?? "";
      load.h1Color = await page.evaluate<string>(`getComputedStyle(document.querySelector("h1")).color`);
      load.imageWidth = await page.evaluate<number>(`document.querySelector("img").naturalWidth`);
      return load;
    };
    const fresh = (): PageLoad => ({ title: "", scriptText: "", h1Color: "", imageWidth: 0, statuses: new Map(), documentHeaders: {}, consoleErrors: [] });
    current = fresh();
    await page.goto(url, { waitUntil: "load", timeout: 15_000 });
    const first = await snapshot();
    current = fresh();
    await page.reload({ waitUntil: "load", timeout: 15_000 });
    const second = await snapshot();
    return [first, second];
  } finally {
    await context.close();
  }
}

function expectRendered(first: PageLoad, second: PageLoad): void {
  expect(first.title).toBe("mirage-ts static website");
  expect(first.scriptText).toBe("Script loaded.");
  expect(first.h1Color).toBe("rgb(187, 0, 68)"); // h1 { color: #b04 } from style.css
  expect(first.imageWidth).toBe(64); // the SVG decoded
  for (const path of ASSETS) expect(first.statuses.get(path), path).toBe(200);
  expect(first.consoleErrors).toEqual([]);
  // The reload revalidates the document (RFC 9110 13.1): the server answered 304.
  expect(second.documentHeaders["if-none-match"]).toMatch(/^"[0-9a-f]+"$/);
  expect(second.statuses.get("/")).toBe(304);
  expect(second.title).toBe("mirage-ts static website");
  expect(second.scriptText).toBe("Script loaded.");
  expect(second.consoleErrors).toEqual([]);
}

const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed`;
if (missing) console.warn(`skipping the static website's browser tests: ${missing}`);

describe.skipIf(missing !== undefined)("examples/static-website in headless Chromium", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe("on the socket stack", () => {
    let app: Running;
    let browser: Browser;
    const port = 20000 + Math.floor(Math.random() * 20000);
    beforeAll(async () => {
      const { bin, dir } = await buildScratchCopy("static-website", "browser");
      dirs.push(dir);
      app = watch(spawn(bin, [`--port=${port}`], { stdio: ["ignore", "pipe", "pipe"] }));
      await app.waitFor(new RegExp(`serving on port ${port}`));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    it("renders the page with its stylesheet, script and image, and revalidates it with a 304 on reload", async () => {
      const [first, second] = await loadTwice(browser, `http://127.0.0.1:${port}/`);
      expectRendered(first, second);
    }, 60_000);
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the direct stack's browser test: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack, Chromium in the namespace", () => {
    let ns: Netns;
    let app: Running;
    let browser: Browser;
    beforeAll(async () => {
      const { bin, dir } = await buildScratchCopy("static-website", "browser-direct", ["--net=direct"]);
      dirs.push(dir);
      ns = await createNetns("mwbr");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(bin, ["--ipv4=10.77.0.2/24"]));
      await app.waitFor(/serving on port 8080/);
      // Playwright talks to Chromium over inherited pipes, which `ip netns exec` keeps.
      const wrapper = join(dir, "chromium-in-netns");
      writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns.name} ${CHROMIUM} "$@"\n`);
      chmodSync(wrapper, 0o755);
      browser = await chromium.launch({ executablePath: wrapper, args: CHROMIUM_ARGS });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await app?.stop();
      await ns?.destroy();
    });

    it("renders the page with all its assets over our TCP/IP stack, and answers the reload with a 304", async () => {
      const [first, second] = await loadTwice(browser, "http://10.77.0.2:8080/");
      expectRendered(first, second);
    }, 60_000);
  });
});
