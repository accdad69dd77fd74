// Phone screenshots (390×844, touch) of the widget for docs/img/: the
// welcome with its starter questions, a streamed answer with its citation and
// 👍/👎, and a clarification. They go to tests/artifacts/ on every run and,
// with TAXBOT_DOC_SHOTS=1, to docs/img/ as well (so a plain run leaves the
// tracked images alone). Each shot first checks the panel fills the screen.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, newContext, openWidget, shot, startServer, widgetAsk } from "./helpers.mjs";

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** Saves `name`.png to tests/artifacts/ and, when asked, to docs/img/. */
async function docShot(page, name) {
  const box = await page.locator("taxbot-widget .panel").boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844], "the panel fills the phone screen");
  await shot(page, name, name);
}

describe("the widget on a phone (390×844)", () => {
  let server, browser;
  before(async () => {
    server = await startServer({ streamDelayMs: 0 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("welcome, answer and clarification screenshots", async () => {
    const ctx = await newContext(browser, server, PHONE);
    const page = await ctx.newPage();
    await page.goto(server.url + "/");
    await openWidget(page);
    await page.locator("taxbot-widget .chip").first().waitFor();
    await docShot(page, "phone-welcome");

    await page.locator("taxbot-widget .chip").first().tap();
    const answer = page.locator("taxbot-widget .msg.bot").last();
    await answer.locator(".fb").waitFor();
    assert.match(await answer.innerText(), /依据|文号|〔|号/, "the answer cites its source");
    await docShot(page, "phone-answer");
    await ctx.close();

    const ctx2 = await newContext(browser, server, PHONE);
    const page2 = await ctx2.newPage();
    await page2.goto(server.url + "/");
    await openWidget(page2);
    await widgetAsk(page2, "发票");
    await page2.locator("taxbot-widget .msg.bot").nth(1).waitFor();
    await docShot(page2, "phone-short-question");
    await ctx2.close();
  });
});
