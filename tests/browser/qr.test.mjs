// 二维码一次性告知 against the real binary: an editor puts an entry on the QR
// list, the PNG the console downloads is decoded back (jsQR, an independent
// decoder) to the deep link, opening that link opens the widget on the
// entry's answer with its citation, the scan is counted once (a reload does
// not count again) and shows on the dashboard; the printed notice shows only
// the codes with their questions; an unknown id gets a polite
// reply, and the host page's own non-id `?q=` is left alone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { eventually, launchBrowser, newContext, shot, sql, startServer } from "./helpers.mjs";
import { addUser, signIn } from "./admin-helpers.mjs";

const EDITOR = "编辑小周";
const EDITOR_PASSWORD = "editor-pass-456";
const ID = "VAT-007";

/** Decodes a QR code PNG (bytes) to its text. */
function decodeQr(bytes) {
  const png = PNG.sync.read(Buffer.from(bytes));
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(found, "the PNG holds a readable QR code");
  return found.data;
}

describe("QR codes and deep links", () => {
  let server, browser;
  before(async () => {
    server = await startServer({ extra: "[analytics]\nrefresh_secs = 1\n" });
    browser = await launchBrowser();
    addUser(server.data, EDITOR, "editor", EDITOR_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a printed code decodes to the deep link, which opens the entry's cited answer and counts one scan", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await signIn(page, server.url, EDITOR, EDITOR_PASSWORD);
    // From the entry's editor page to the QR list.
    await page.goto(server.url + `/console/#/entry?id=${ID}`);
    await page.getByRole("button", { name: "二维码" }).click();
    const card = page.locator(`figure.qr-card[data-entry="${ID}"]`);
    await card.waitFor();
    const question = await card.locator("figcaption strong").innerText();
    assert.ok(question.length > 5, question);
    await card.locator("img").evaluate((img) => img.decode());
    await shot(page, "14-console-qr-list", "console-qr");

    const pngHref = await card.getByRole("link", { name: "下载 PNG" }).getAttribute("href");
    const bytes = await page.evaluate(async (href) => [...new Uint8Array(await (await fetch(href)).arrayBuffer())], pngHref);
    const link = decodeQr(bytes);
    const url = new URL(link);
    assert.equal(url.origin, server.url);
    assert.equal(url.searchParams.get("q"), ID);
    assert.equal(url.searchParams.get("via"), "qr");
    assert.equal(await card.getByRole("link", { name: "打开链接" }).getAttribute("href"), link);

    // A taxpayer scans it: the widget opens by itself on the answer with its citation.
    const phone = await newContext(browser, server, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const visitor = await phone.newPage();
    await visitor.goto(link);
    const answer = visitor.locator("taxbot-widget .msg.bot").filter({ has: visitor.locator(".src") }).first();
    await answer.waitFor();
    assert.match(await answer.locator(".src").innerText(), /依据/);
    await shot(visitor, "15-widget-opened-by-qr", "widget-opened-by-qr");
    const stored = sql(server, "SELECT text FROM messages WHERE sender = 'visitor' ORDER BY id");
    assert.deepEqual(stored.map((r) => r.text), [question]);
    assert.equal(sql(server, `SELECT COUNT(*) AS n FROM scans WHERE entry_id = '${ID}'`)[0].n, 1);

    // A reload resumes the conversation without opening (or counting) it again.
    await visitor.reload();
    await visitor.locator("taxbot-widget .msg.bot .src").first().waitFor();
    await visitor.waitForTimeout(500);
    assert.equal(sql(server, `SELECT COUNT(*) AS n FROM scans`)[0].n, 1);
    assert.equal(sql(server, "SELECT COUNT(*) AS n FROM messages WHERE sender = 'visitor'")[0].n, 1);

    // The dashboard lists the entry by scans, linked to its editor page.
    await page.goto(server.url + "/console/#/dashboard");
    const row = page.locator("table.grid tr", { hasText: question }).first();
    await eventually(async () => {
      await page.reload();
      try { await row.waitFor({ timeout: 2000 }); } catch { return false; }
      return /\t1$/.test((await row.innerText()).trim()) || (await row.locator("td").last().innerText()) === "1";
    }, 20000);
    assert.equal(await page.getByRole("link", { name: ID }).first().getAttribute("href"), `#/entry?id=${ID}`);
    await phone.close();
    await ctx.close();
  });

  test("the printed notice shows only the codes, each with its question under it", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1000, height: 800 } });
    const page = await ctx.newPage();
    await signIn(page, server.url, EDITOR, EDITOR_PASSWORD);
    await page.goto(server.url + `/console/#/qr?add=${ID}`);
    await page.locator(`figure.qr-card[data-entry="${ID}"]`).waitFor();
    const form = page.getByRole("form", { name: "添加条目" });
    await form.getByLabel("查找条目").fill("个体户");
    await form.getByRole("button", { name: "查找" }).click();
    await page.locator(".qr-found li", { hasNotText: ID }).getByRole("button", { name: "加入清单" }).first().click();
    const cards = page.locator("figure.qr-card");
    await cards.nth(1).waitFor();
    await page.locator("figure.qr-card img").evaluateAll((imgs) => Promise.all(imgs.map((i) => i.decode())));

    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("header.bar").isVisible(), false, "no console bar on paper");
    assert.equal(await page.locator("#nav").isVisible(), false);
    assert.equal(await page.locator(".panel.no-print").isVisible(), false, "no search form or buttons");
    assert.equal(await page.locator(".qr-tools").first().isVisible(), false, "no download links");
    assert.equal(await cards.count(), 2);
    for (const card of await cards.all()) {
      const code = await card.locator("img").boundingBox();
      const title = card.locator("figcaption strong");
      assert.ok((await title.innerText()).length > 5);
      const under = await title.boundingBox();
      assert.ok(under.y >= code.y + code.height, "the question is printed under its code");
    }
    await shot(page, "16-console-qr-print", "qr-notice-print");
    await page.emulateMedia({ media: "screen" });
    assert.equal(await page.locator("header.bar").isVisible(), true);
    await ctx.close();
  });

  test("a host tag's data-open opens the widget on that entry (a link, not a scan)", async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto(server.url + "/healthz");
    const scans = sql(server, "SELECT COUNT(*) AS n FROM scans")[0].n;
    const before = sql(server, "SELECT COUNT(*) AS n FROM messages WHERE sender = 'visitor'")[0].n;
    await page.setContent(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>发票专栏</title></head><body><h1>发票专栏</h1><script src="/widget.js" data-open="${ID}"></script></body></html>`);
    const answer = page.locator("taxbot-widget .msg.bot").filter({ has: page.locator(".src") }).first();
    await answer.waitFor();
    assert.equal(await page.locator("taxbot-widget .panel").isVisible(), true, "opened by itself");
    assert.match(await answer.locator(".src").innerText(), /依据/);
    assert.equal(sql(server, "SELECT COUNT(*) AS n FROM messages WHERE sender = 'visitor'")[0].n, before + 1);
    assert.equal(sql(server, "SELECT COUNT(*) AS n FROM scans")[0].n, scans, "a link is not counted as a scan");
    await ctx.close();
  });

  test("an unknown id gets a polite reply; a host page's own ?q= text is left alone", async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto(server.url + "/?q=NOPE-999&via=qr");
    await page.locator("taxbot-widget .msg.bot", { hasText: "没有找到这个二维码或链接对应的问题" }).waitFor();
    const before = sql(server, "SELECT COUNT(*) AS n FROM scans")[0].n;

    const other = await ctx.newPage();
    await other.goto(server.url + "/?q=" + encodeURIComponent("发票怎么开"));
    await other.waitForTimeout(800);
    assert.equal(await other.locator("taxbot-widget .panel").isVisible(), false, "a search text does not open the widget");
    assert.equal(sql(server, "SELECT COUNT(*) AS n FROM scans")[0].n, before);
    await ctx.close();
  });
});
