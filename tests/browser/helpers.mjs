// Shared helpers for the browser tests: start the real `taxbot serve` binary
// on a free loopback port with a temporary data dir and a config file, launch
// Debian's Chromium through playwright-core, read the SQLite store, save
// screenshots to tests/artifacts/ (and the documentation's to docs/img/).
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "../..");
export const BIN = process.env.TAXBOT_BIN || join(ROOT, "target/release/taxbot");
export const ARTIFACTS = join(ROOT, "tests/artifacts");
/** Agent users every test server has (created with `taxbot user add`); the name is also the agent id. */
export const AGENT_1 = "小王";
export const AGENT_2 = "小李";
export const AGENT_PASSWORD = "agent-password";

/** The config file of a test server; `hours: "never"` puts every moment outside business hours. */
export function configToml({ hours = "always", clarify = false, streamDelayMs = 40, welcomeTickets = 50, extra = "" } = {}) {
  const search = clarify ? "[search]\nanswer_threshold = 1.01\nsingle_answer_threshold = 1.01\nsole_answer_threshold = 1.01\ncovered_sole_threshold = 1.01\nclarify_threshold = 0.0\n" : "";
  const close = hours === "never" ? "00:00" : "24:00";
  return `${search}
[chat]
stream_delay_ms = ${streamDelayMs}

[server]
shutdown_grace_secs = 2
drain_secs = 0

[handoff]
welcome_tickets = ${welcomeTickets}

[handoff.hours]
days = [1, 2, 3, 4, 5, 6, 7]
open = "00:00"
close = "${close}"
${extra}
`;
}

/** A running `taxbot serve`: `url`, `db` (SQLite file), `stop()`, `restart()`. */
export async function startServer(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "taxbot-browser-"));
  const config = join(dir, "taxbot.toml");
  writeFileSync(config, configToml(options));
  const data = join(dir, "data");
  const server = { dir, data, db: join(data, "taxbot.db"), proc: null, url: null, port: 0 };
  const launch = async (port) => {
    const args = ["serve", "--config", config, "--kb", join(ROOT, "knowledge-base"), "--data-dir", data, "--bind", `127.0.0.1:${port}`];
    const proc = spawn(BIN, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TAXBOT_LOG: "warn" } });
    server.proc = proc;
    let stderr = "";
    const exited = new Promise((r) => proc.once("exit", r));
    server.exited = exited;
    const addr = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`taxbot did not start:\n${stderr}`)), 60000);
      proc.stderr.on("data", (chunk) => {
        stderr += chunk;
        const m = /正在监听 (http:\/\/[\d.:]+)\r?\n/.exec(stderr); // whole line: chunks may split it
        if (m) { clearTimeout(timer); ok(m[1]); }
      });
      exited.then((code) => { clearTimeout(timer); fail(new Error(`taxbot exited (${code}):\n${stderr}`)); });
    });
    server.url = addr;
    server.port = Number(new URL(addr).port);
  };
  server.stop = async () => {
    if (!server.proc || server.proc.exitCode !== null) return;
    server.proc.kill("SIGTERM");
    await server.exited;
  };
  server.restart = async () => { await server.stop(); await launch(server.port); };
  server.close = async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); };
  for (const name of [AGENT_1, AGENT_2]) {
    execFileSync(BIN, ["user", "add", name, "--role", "agent", "--config", config, "--data-dir", data], { input: AGENT_PASSWORD + "\n", stdio: ["pipe", "ignore", "pipe"], cwd: dir });
  }
  await launch(0);
  return server;
}

/** Rows of a read-only query on the server's SQLite file (WAL mode: safe while it runs). */
export function sql(server, query) {
  const out = execFileSync("sqlite3", ["-json", `file:${server.db}?mode=ro`, query], { encoding: "utf8" });
  return out.trim() ? JSON.parse(out) : [];
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      // Pages fulfilled by a route (TAXBOT_WEB_FROM_DISK) have no address, so Chromium
      // counts them as public and blocks their WebSocket to loopback.
      ...(process.env.TAXBOT_WEB_FROM_DISK === "1" ? ["--disable-features=LocalNetworkAccessChecks"] : [])],
  });
}

/**
 * A browser context for `server`. With TAXBOT_WEB_FROM_DISK=1 the widget and
 * console files come from the working tree instead of the binary (handy
 * while editing them; the binary embeds them at build time). Every request
 * URL is recorded in `context.requests`.
 */
export async function newContext(browser, server, options = {}) {
  const context = await browser.newContext({ locale: "zh-CN", ...options });
  context.requests = [];
  context.on("request", (r) => context.requests.push(r.url()));
  if (process.env.TAXBOT_WEB_FROM_DISK === "1") {
    const files = { "/": "index.html", "/console/": "console/index.html", "/console/render.js": "render.js" };
    for (const f of readdirSync(join(ROOT, "web-widget/console"))) files[`/console/${f}`] = `console/${f}`;
    const types = { js: "text/javascript", html: "text/html", css: "text/css" };
    await context.route(`${server.url}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === "/widget.js") return route.fulfill({ status: 200, contentType: `${types.js}; charset=utf-8`, body: widgetFromDisk() });
      const f = files[path];
      if (!f) return route.continue();
      route.fulfill({ status: 200, contentType: `${types[f.split(".").pop()]}; charset=utf-8`, body: readFileSync(join(ROOT, "web-widget", f)) });
    });
  }
  return context;
}

/**
 * widget.js as the server serves it, built from the working tree the way
 * src/server/assets.rs builds it: web-widget/render.js in place of the
 * `//@inline render.js` line, indented like it, each leading `export ` dropped.
 */
export function widgetFromDisk() {
  const render = readFileSync(join(ROOT, "web-widget/render.js"), "utf8");
  const widget = readFileSync(join(ROOT, "web-widget/widget.js"), "utf8");
  return widget.replace(/^([ \t]*)\/\/@inline render\.js[ \t]*\n/m, (_, indent) =>
    render.split(/(?<=\n)/).map((l) => (l.trim() ? indent : "") + l.replace(/^export /, "")).join("") + (render.endsWith("\n") ? "" : "\n"));
}

/**
 * Saves a screenshot of `page` as tests/artifacts/NAME.png; with `doc` and
 * TAXBOT_DOC_SHOTS=1 in the environment, also as docs/img/DOC.png (the
 * images README.md and docs/widget.md show), so a plain run leaves the
 * tracked images alone.
 */
export async function shot(page, name, doc) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  if (doc && process.env.TAXBOT_DOC_SHOTS === "1") copyFileSync(join(ARTIFACTS, `${name}.png`), join(ROOT, "docs/img", `${doc}.png`));
}

/** The widget's shadow-DOM elements are reachable with ordinary locators (Playwright pierces open shadow roots). */
export async function openWidget(page) {
  await page.locator("taxbot-widget .launcher").click();
  const panel = page.locator("taxbot-widget .panel");
  await panel.waitFor({ state: "visible" });
  await page.locator("taxbot-widget .conn", { hasText: "在线" }).waitFor();
  return panel;
}

/** Types `text` in the widget and presses Enter. */
export async function widgetAsk(page, text) {
  const input = page.locator("taxbot-widget textarea[aria-label='输入您的问题']");
  await input.fill(text);
  await input.press("Enter");
}

/** Polls `fn` until it returns a truthy value (for store checks after an async write). */
export async function eventually(fn, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs in to the console in `page` as agent user `name` and waits until the desk is connected. */
export async function signIn(page, server, name, password = AGENT_PASSWORD) {
  await page.goto(server.url + "/console/");
  await page.getByLabel("用户名", { exact: true }).fill(name);
  await page.getByLabel("密码", { exact: true }).fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("#conn", { hasText: "已连接" }).waitFor();
}
