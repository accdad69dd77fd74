// The analytics pages of the console against the real binary: a taxpayer's
// question carrying markup shows as text (no script runs), unanswered
// questions appear in a cluster, the dashboard draws its charts, and — when
// the knowledge API is there — an editor turns a cluster into an entry,
// publishes it, and the same question is answered in the widget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, launchBrowser, newContext, openWidget, widgetAsk, eventually, shot } from "./helpers.mjs";
import { addUser, signIn } from "./admin-helpers.mjs";

const XSS_IMG = "<img src=x onerror=\"window.__xss='img'\">我家狗狗打疫苗要多少钱";
const XSS_SCRIPT = "<script>window.__xss='script'</script>给狗打疫苗要多少钱";
const PLAIN = "宠物狗打疫苗一般要多少钱";

async function ask(server, userId, text) {
  const r = await fetch(server.url + "/api/v1/ask", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: userId, text }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

test("unanswered questions with markup show as text in a cluster; dashboard and 热搜榜 render", async () => {
  process.env.TAXBOT_ANALYTICS__REFRESH_SECS = "1";
  const server = await startServer();
  delete process.env.TAXBOT_ANALYTICS__REFRESH_SECS;
  const browser = await launchBrowser();
  try {
    addUser(join(server.dir, "data"), "editor1", "editor", "editor-pass-123");
    for (const [i, q] of [XSS_IMG, XSS_SCRIPT, PLAIN].entries()) {
      const r = await ask(server, `u-${i}`, q);
      assert.notEqual(r.decision, "answer", `${q} should not be answered: ${JSON.stringify(r)}`);
    }
    const context = await newContext(browser, server);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page, server.url, "editor1", "editor-pass-123");

    await page.goto(server.url + "/console/#/unanswered?period=day");
    const card = page.locator("article.cluster", { hasText: "疫苗" }).first();
    await eventually(async () => {
      await page.goto(server.url + "/console/#/unanswered?period=day");
      await page.reload();
      return (await page.locator("article.cluster").count()) > 0;
    }, 20000);
    await card.waitFor();
    const text = await page.locator("section.page").innerText();
    assert.ok(text.includes("<img src=x onerror="), "the <img> question is shown as text");
    assert.ok(text.includes("<script>window.__xss='script'</script>"), "the <script> question is shown as text");
    assert.equal(await page.evaluate(() => window.__xss), undefined, "no taxpayer markup ran");
    assert.equal(await page.locator("section.page img, section.page script").count(), 0);
    const big = page.locator("article.cluster").first();
    assert.match(await big.innerText(), /3 人问到/);
    await shot(page, "analytics-unanswered");

    // 加入已有条目: nothing is preselected; only the picked wording goes into the draft,
    // and 试一试 shows where each picked wording lands against the draft.
    await big.getByRole("button", { name: "加入已有条目" }).click();
    await big.getByRole("searchbox", { name: "搜索条目" }).fill("个人所得税");
    await big.getByRole("button", { name: "搜索", exact: true }).click();
    const target = big.locator("ul.picker li button").first();
    const entryId = (await target.innerText()).split(" ")[0];
    await target.click();
    const boxes = big.locator("fieldset.wordings input[type=checkbox]");
    assert.ok((await boxes.count()) >= 2, "every wording is offered");
    for (const b of await boxes.all()) assert.equal(await b.isChecked(), false);
    const go = big.getByRole("button", { name: "加入草稿并试一试" });
    assert.equal(await go.isDisabled(), true);
    const plainBox = big.locator("label.wording", { hasText: PLAIN }).locator("input");
    await plainBox.check();
    await go.click();
    await big.locator("ul.tried li").first().waitFor();
    assert.equal(await big.locator("ul.tried li").count(), 1);
    assert.match(await big.locator("ul.tried li").innerText(), new RegExp(PLAIN));
    const draft = await page.evaluate(async (id) => (await (await fetch(`/api/admin/entries/${id}`)).json()).draft, entryId);
    assert.ok(draft.similar.includes(PLAIN), JSON.stringify(draft.similar));
    assert.ok(!draft.similar.some((q) => q.includes("<script>")), "unpicked wordings stay out of the draft");
    await shot(page, "analytics-cluster-wordings");

    await page.goto(server.url + "/console/#/dashboard");
    await page.locator("svg.chart").first().waitFor();
    assert.match(await page.locator("section.page").innerText(), /咨询问题/);
    const csv = await page.locator("a.csv").first().getAttribute("href");
    const res = await context.request.get(csv);
    assert.equal(res.status(), 200);
    assert.match(res.headers()["content-type"], /text\/csv/);
    await shot(page, "analytics-dashboard");

    await page.goto(server.url + "/console/#/hot");
    await page.getByRole("heading", { name: "热搜榜" }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
