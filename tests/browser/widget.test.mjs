// The widget on the demo page, against the real server: embed, ask, streamed
// answer, 👎 stored, keyboard, reload, restart, mobile, size and first paint.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { eventually, launchBrowser, newContext, openWidget, shot, sql, startServer, widgetAsk, widgetFromDisk } from "./helpers.mjs";

describe("widget", () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("is small: widget.js (with render.js inlined) under 50 KB gzipped, served as embedded", async () => {
    const served = await (await fetch(`${server.url}/widget.js`)).text();
    const gz = gzipSync(served, { level: 9 }).length;
    assert.ok(gz < 50 * 1024, `widget.js is ${gz} bytes gzipped`);
    if (process.env.TAXBOT_WEB_FROM_DISK !== "1") assert.equal(served, widgetFromDisk(), "the binary serves the current widget.js and render.js (rebuild it)");
    assert.ok(!/^\s*(import|export)\b/m.test(served), "one classic script: no module statements");
  });

  test("demo page: ask, streamed answer with sources, 👎 with a reason is stored", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    // First paint of the launcher, from the moment widget.js starts running (and from the end of its download).
    const launcher = page.locator("taxbot-widget .launcher");
    await launcher.waitFor();
    const paint = await page.evaluate(async () => {
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const res = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/widget.js"));
      const at = (name) => performance.getEntriesByName(name)[0].startTime;
      return { run: at("taxbot:launcher-painted") - at("taxbot:start"), download: at("taxbot:launcher-painted") - res.responseEnd };
    });
    // Reported, not asserted (timings belong to benchmarks, not tests); docs/benchmarks.md records them.
    console.log(`# launcher painted ${paint.run.toFixed(1)} ms after widget.js started (${paint.download.toFixed(1)} ms after its download ended)`);
    await shot(page, "01-demo-page");

    await openWidget(page);
    await page.locator("taxbot-widget .chip").first().waitFor(); // hot questions
    await widgetAsk(page, "个体工商户怎么开具发票？");
    const bubble = page.locator("taxbot-widget .msg.bot[aria-busy=true]");
    await bubble.waitFor(); // streaming has started
    const answer = page.locator("taxbot-widget .msg.bot").filter({ has: page.locator(".fb") }).last();
    await answer.locator(".src").waitFor();
    assert.match(await answer.innerText(), /发票/);
    assert.match(await answer.locator(".src").innerText(), /政策依据/);
    await shot(page, "02-streamed-answer", "widget-answer");

    const [{ id: answerId }] = sql(server, "SELECT id FROM messages WHERE sender = 'bot' AND decision = 'answer' ORDER BY id DESC LIMIT 1");
    await answer.getByRole("button", { name: "没帮助" }).click();
    const reason = page.locator("taxbot-widget input[aria-label='没帮助的原因（选填）']");
    await reason.fill("没有说到电子发票");
    await reason.press("Enter");
    await answer.getByText("感谢反馈").waitFor();
    const rows = await eventually(() => { const r = sql(server, `SELECT helpful, comment FROM feedback WHERE message_id = ${answerId}`); return r.length && r; });
    assert.deepEqual(rows, [{ helpful: 0, comment: "没有说到电子发票" }]);

    // No request leaves the server's own origin.
    const foreign = context.requests.filter((u) => !u.startsWith(server.url) && !u.startsWith(server.url.replace("http", "ws")));
    assert.deepEqual(foreign, []);
    await context.close();
  });
  test("keyboard alone: Tab to the launcher, Enter opens, Enter sends, Esc closes", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await page.locator("taxbot-widget .launcher").waitFor();
    // Tab through the page until the launcher has focus.
    let onLauncher = false;
    for (let i = 0; i < 40 && !onLauncher; i++) {
      await page.keyboard.press("Tab");
      onLauncher = await page.evaluate(() => document.activeElement?.tagName === "TAXBOT-WIDGET" && document.activeElement.shadowRoot.activeElement?.classList.contains("launcher"));
    }
    assert.ok(onLauncher, "the launcher is reachable with Tab");
    await page.keyboard.press("Enter");
    const panel = page.locator("taxbot-widget .panel");
    await panel.waitFor();
    assert.equal(await page.locator("taxbot-widget .panel").getAttribute("role"), "dialog");
    assert.equal(await page.locator("taxbot-widget .log").getAttribute("role"), "log");
    await page.locator("taxbot-widget .conn", { hasText: "在线" }).waitFor();
    await page.keyboard.type("谢谢");
    await page.keyboard.press("Enter");
    await page.locator("taxbot-widget .msg.me", { hasText: "谢谢" }).waitFor();
    await page.locator("taxbot-widget .msg.bot", { hasText: "不客气" }).waitFor();
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "hidden" });
    const focus = await page.evaluate(() => document.activeElement.shadowRoot?.activeElement?.className);
    assert.equal(focus, "launcher", "focus returns to the launcher");
    await context.close();
  });

  test("reload shows the history; a server restart is survived and an offline message is sent on reconnect", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await widgetAsk(page, "个体工商户怎么开具发票？");
    await page.locator("taxbot-widget .msg.bot .fb").last().waitFor();
    const [{ n: before }] = sql(server, "SELECT count(*) AS n FROM conversations");

    await page.reload();
    await page.locator("taxbot-widget .panel").waitFor(); // stays open after a reload
    await page.locator("taxbot-widget .msg.me", { hasText: "个体工商户怎么开具发票？" }).waitFor();
    await page.locator("taxbot-widget .msg.bot .fb").last().waitFor(); // the answer, with 👍/👎 again
    assert.equal(sql(server, "SELECT count(*) AS n FROM conversations")[0].n, before, "same conversation resumed");

    await server.stop();
    await page.locator("taxbot-widget .conn.off").waitFor();
    await widgetAsk(page, "谢谢");
    const unsent = page.locator("taxbot-widget .msg.me.unsent", { hasText: "谢谢" });
    await unsent.waitFor();
    assert.match(await unsent.innerText(), /未发送/);
    await shot(page, "07-widget-offline");

    await server.restart();
    await page.locator("taxbot-widget .conn:not(.off)", { hasText: "在线" }).waitFor({ timeout: 30000 });
    await page.locator("taxbot-widget .msg.bot", { hasText: "不客气" }).waitFor();
    assert.equal(await page.locator("taxbot-widget .msg.me.unsent").count(), 0);
    const sent = sql(server, "SELECT count(*) AS n FROM messages WHERE sender = 'visitor' AND text = '谢谢' AND conversation_id = (SELECT id FROM conversations ORDER BY created_at DESC, rowid DESC LIMIT 1)");
    assert.equal(sent[0].n, 1, "the offline message is stored exactly once");
    await context.close();
  });

  test("one vote per answer, changeable; a reload keeps the sources, the dates and the vote", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await widgetAsk(page, "个体工商户怎么开具发票？");
    const answer = page.locator("taxbot-widget .msg.bot").filter({ has: page.locator(".fb") }).last();
    await answer.locator(".src").waitFor();
    assert.match(await answer.locator(".src").innerText(), /（[^）]+）[\s\S]*现行有效[^\n]*，自 \d{4}-\d{2}-\d{2} 起施行，更新于 \d{4}-\d{2}-\d{2}/);
    const [{ id }] = sql(server, "SELECT id FROM messages WHERE sender = 'bot' AND decision = 'answer' ORDER BY id DESC LIMIT 1");

    await answer.getByRole("button", { name: "有帮助" }).click();
    await answer.getByText("感谢反馈").waitFor();
    await eventually(() => sql(server, `SELECT helpful FROM feedback WHERE message_id = ${id}`).length === 1);
    await answer.getByRole("button", { name: "没帮助" }).click(); // changed their mind
    await page.locator("taxbot-widget input[aria-label='没帮助的原因（选填）']").press("Enter");
    const votes = await eventually(() => { const r = sql(server, `SELECT helpful FROM feedback WHERE message_id = ${id}`); return r[0]?.helpful === 0 && r; });
    assert.deepEqual(votes, [{ helpful: 0 }], "one vote per answer, the latest");
    assert.equal(await answer.getByRole("button", { name: "没帮助" }).getAttribute("aria-pressed"), "true");
    assert.equal(await answer.getByRole("button", { name: "有帮助" }).getAttribute("aria-pressed"), "false");

    await page.reload();
    const again = page.locator("taxbot-widget .msg.bot").filter({ has: page.locator(".fb") }).last();
    await again.locator(".src").waitFor();
    assert.match(await again.locator(".src").innerText(), /更新于 \d{4}-\d{2}-\d{2}/);
    assert.equal(await again.getByRole("button", { name: "没帮助" }).getAttribute("aria-pressed"), "true");
    await context.close();
  });

  test("the newest message stays in view; one who scrolled up keeps their place and gets a 新消息 pill", async () => {
    const context = await newContext(browser, server, { viewport: { width: 800, height: 520 } });
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    const inView = () => page.evaluate(() => {
      const log = document.querySelector("taxbot-widget").shadowRoot.querySelector(".log");
      const last = log.lastElementChild.getBoundingClientRect(), box = log.getBoundingClientRect();
      return last.bottom <= box.bottom + 1 && log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    });
    for (const q of ["个体工商户怎么开具发票？", "专票丢了怎么办", "个税汇算什么时候办"]) {
      await widgetAsk(page, q);
      await page.locator("taxbot-widget .msg.bot .fb").nth(-1).waitFor();
      await page.waitForFunction(() => !document.querySelector("taxbot-widget").shadowRoot.querySelector(".msg.bot[aria-busy=true]"));
      assert.ok(await inView(), `the end of the reply to ${q} is in view`);
    }
    // Scroll up while the next answer streams in.
    const before = await page.locator("taxbot-widget .msg.bot .fb").count();
    await widgetAsk(page, "小规模纳税人增值税免征额是多少");
    await page.locator("taxbot-widget .msg.bot[aria-busy=true]").waitFor();
    await page.evaluate(() => { const log = document.querySelector("taxbot-widget").shadowRoot.querySelector(".log"); log.scrollTop = 0; log.dispatchEvent(new Event("scroll")); });
    await eventually(async () => (await page.locator("taxbot-widget .msg.bot .fb").count()) > before);
    const pill = page.locator("taxbot-widget .pill");
    await pill.waitFor();
    assert.equal(await page.evaluate(() => document.querySelector("taxbot-widget").shadowRoot.querySelector(".log").scrollTop), 0, "the reader's place is kept");
    await pill.click();
    await pill.waitFor({ state: "hidden" });
    assert.ok(await inView(), "the pill brings the newest message into view");
    await context.close();
  });

  test("keyboard: Tab stays inside the open widget", async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    const inside = () => page.evaluate(() => document.activeElement?.tagName === "TAXBOT-WIDGET" && !!document.activeElement.shadowRoot.activeElement);
    await page.locator("taxbot-widget textarea").focus();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      assert.ok(await inside(), `focus still in the widget after ${i + 1} Tab presses`);
    }
    await context.close();
  });

  test("phone: full-screen panel under 480 px", async () => {
    const context = await newContext(browser, server, { viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    const box = await page.locator("taxbot-widget .panel").boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 700]);
    const placeholder = await page.locator("taxbot-widget textarea").getAttribute("placeholder");
    assert.ok(!/Enter/.test(placeholder), `no Enter hint on a touch screen: ${placeholder}`);
    await page.locator("taxbot-widget .chip").first().tap();
    await page.locator("taxbot-widget .msg.bot .fb").last().waitFor();
    for (const name of ["有帮助", "没帮助"]) {
      const b = page.locator("taxbot-widget .msg.bot .fb").last().getByRole("button", { name });
      const size = await b.boundingBox();
      assert.ok(size.width >= 24 && size.height >= 24, `${name} is ${size.width}×${size.height} px`);
      assert.equal(await b.locator("svg").count(), 1, `${name} is drawn as an SVG icon, not an emoji`);
    }
    await shot(page, "08-widget-mobile", "widget-mobile");
    await context.close();
  });
});
