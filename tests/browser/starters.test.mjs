// 推荐问题 set by an editor in the console: a new widget shows the editor's
// list in its welcome (no restart), in the chosen order; 恢复默认列表 brings
// the configured `chat.starter_questions` back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, launchBrowser, newContext, openWidget, shot, sql, startServer } from "./helpers.mjs";
import { addUser, signIn } from "./admin-helpers.mjs";

const EDITOR = "编辑小吴";
const EDITOR_PASSWORD = "editor-pass-789";

/** The hot-question chips of a freshly opened widget (a new visitor each time). */
async function widgetChips(browser, server) {
  const ctx = await newContext(browser, server, { viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(server.url + "/");
  await openWidget(page);
  const card = page.locator("taxbot-widget .card", { hasText: "热门问题" });
  await card.waitFor();
  const chips = await card.locator("button").allInnerTexts();
  await ctx.close();
  return chips;
}

describe("starter questions chosen by an editor", () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    addUser(server.data, EDITOR, "editor", EDITOR_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the editor picks and orders entries; a new widget shows them; 恢复默认 restores the configured list", async () => {
    const before = await widgetChips(browser, server);
    assert.equal(before.length, 5, "the configured starters");

    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await signIn(page, server.url, EDITOR, EDITOR_PASSWORD);
    await page.locator("#nav a", { hasText: "推荐问题" }).click();
    await page.getByText("当前使用配置文件中的默认列表").waitFor();
    const list = page.getByRole("list", { name: "推荐问题（按顺序）" });
    // Start from an empty list: remove every configured entry.
    while (await list.getByRole("button", { name: /^移出 / }).count()) await list.getByRole("button", { name: /^移出 / }).first().click();
    const question = (id) => sql(server, `SELECT json_extract(content, '$.question') AS q FROM knowledge_versions WHERE kind = 'entry' AND key = '${id}' AND state = 'published'`)[0].q;
    for (const id of ["CAR-002", "INV-002"]) {
      await page.getByLabel("查找条目").fill(id);
      await page.getByRole("button", { name: "查找", exact: true }).click();
      const row = page.locator("ul.qr-found li", { hasText: id }).first();
      await row.waitFor();
      await row.getByRole("button", { name: "加入" }).click();
    }
    // INV-002 first.
    await list.getByRole("button", { name: "上移 INV-002" }).click();
    await page.getByRole("button", { name: "保存并生效" }).click();
    await page.getByText("当前使用编辑设置的列表").waitFor();
    await shot(page, "console-starters");
    assert.deepEqual(sql(server, "SELECT entry_id FROM starter_questions ORDER BY position").map((r) => r.entry_id), ["INV-002", "CAR-002"]);

    const chips = await eventually(async () => {
      const c = await widgetChips(browser, server);
      return c.length === 2 ? c : null;
    });
    assert.deepEqual(chips, [question("INV-002"), question("CAR-002")]);

    await page.getByRole("button", { name: "恢复默认列表" }).click();
    await page.getByText("当前使用配置文件中的默认列表").waitFor();
    const restored = await eventually(async () => {
      const c = await widgetChips(browser, server);
      return c.length === 5 ? c : null;
    });
    assert.deepEqual(restored, before);
  });
});
