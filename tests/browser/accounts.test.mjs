// Console accounts: an agent signs in through the form and serves a taxpayer,
// a wrong password shows the error, an admin reads the audit log with the
// sign-ins, a hostile user name (created with the CLI) stays text, and an
// admin creates and revokes an integration's API key.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_1, AGENT_PASSWORD, launchBrowser, newContext, openWidget, shot, startServer, widgetAsk } from "./helpers.mjs";
import { addUser, signIn } from "./admin-helpers.mjs";

const HOSTILE = `<img src=x onerror="window.__xss=1">坐席`;

describe("console accounts", () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    addUser(server.data, "管理员", "admin", "admin-password");
    addUser(server.data, HOSTILE, "agent", "hostile-password");
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a wrong password shows the error and no navigation", async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto(server.url + "/console/");
    await page.getByLabel("用户名", { exact: true }).fill(AGENT_1);
    await page.getByLabel("密码", { exact: true }).fill("not-the-password");
    await page.getByRole("button", { name: "登录" }).click();
    await page.locator("#login-error", { hasText: "用户名或密码错误" }).waitFor();
    assert.equal(await page.locator("#nav").isVisible(), false);
    await shot(page, "10-console-wrong-password");
    await ctx.close();
  });

  test("an agent signs in with the form and serves a taxpayer; agents see only the desk", async () => {
    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server.url, AGENT_1, AGENT_PASSWORD);
    await agent.locator("#conn", { hasText: "已连接" }).waitFor();
    assert.deepEqual(await agent.locator("#nav a").allInnerTexts(), ["坐席工作台", "历史会话"]);
    assert.match(await agent.locator("#agent-name").innerText(), /小王/);

    const visitorCtx = await newContext(browser, server);
    const visitor = await visitorCtx.newPage();
    await visitor.goto(server.url + "/");
    await openWidget(visitor);
    await widgetAsk(visitor, "发票开错了怎么办");
    await visitor.locator("taxbot-widget .msg.bot").nth(1).waitFor();
    await visitor.locator("taxbot-widget button.human").click();
    const item = agent.locator("#queue li.item").first();
    await item.getByRole("button", { name: "接入" }).click();
    await visitor.locator("taxbot-widget .banner", { hasText: "人工客服「小王」正在为您服务" }).waitFor();
    const chat = agent.locator("article.chat").first();
    await chat.getByRole("textbox", { name: /回复访客/ }).fill("您好，我是小王");
    await chat.getByRole("textbox", { name: /回复访客/ }).press("Enter");
    await visitor.locator("taxbot-widget .msg.agent", { hasText: "您好，我是小王" }).waitFor();

    // The knowledge panel offers the matcher's entries for the taxpayer's question;
    // one click puts the answer with its citation into the reply.
    const first = chat.locator(".kb-results li.kb-item").first();
    await first.waitFor();
    assert.match(await first.locator(".kb-q").innerText(), /发票/);
    assert.match(await first.locator(".kb-src").innerText(), /依据：.+（.+）/);
    await first.getByRole("button", { name: "插入答案" }).click();
    const reply = chat.getByRole("textbox", { name: /回复访客/ });
    const inserted = await reply.inputValue();
    assert.match(inserted, /依据：.+（.+）.*更新于 \d{4}-\d{2}-\d{2}/);
    await reply.evaluate((e) => { e.scrollTop = e.scrollHeight; });
    await shot(agent, "11-console-knowledge-inserted", "console-knowledge-panel");
    assert.doesNotMatch(inserted, /\*\*/, "Markdown marks are dropped for the plain-text chat");
    await reply.press("Enter");
    await visitor.locator("taxbot-widget .msg.agent", { hasText: "依据：" }).waitFor();
    // The agent may look up other words too.
    await chat.getByRole("searchbox", { name: /查找知识库/ }).fill("个税汇算清缴");
    await chat.getByRole("button", { name: "查找", exact: true }).click();
    await chat.locator(".kb-results li.kb-item .kb-q", { hasText: /汇算/ }).first().waitFor();
    await shot(agent, "11-console-agent-signed-in");

    // Signing out closes the desk; the admin API stays closed to agents.
    const status = await agent.evaluate(async () => (await fetch("/api/admin/users")).status);
    assert.equal(status, 403);
    await agent.getByRole("button", { name: "退出登录" }).click();
    await agent.getByLabel("用户名", { exact: true }).waitFor();
    await agentCtx.close();
    await visitorCtx.close();
  });

  test("an admin reads the audit log; a hostile user name stays text", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await signIn(page, server.url, "管理员", "admin-password");
    const nav = await page.locator("#nav a").allInnerTexts();
    for (const t of ["坐席工作台", "用户", "审计日志"]) assert.ok(nav.includes(t), `${t} in ${nav}`);

    await page.locator("#nav a", { hasText: "用户" }).click();
    const row = page.locator(`tr[data-user]`, { hasText: "onerror" });
    await row.waitFor();
    assert.equal(await row.locator(".user-name").innerText(), HOSTILE);
    assert.equal(await page.locator(".page img").count(), 0);

    await page.locator("#nav a", { hasText: "审计日志" }).click();
    await page.locator("tr[data-action='login']").first().waitFor();
    const actions = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert.ok(actions.includes("login.failed"), actions.join());
    assert.ok(actions.filter((a) => a === "login").length >= 2, actions.join());
    assert.ok(actions.includes("user.add"), actions.join());
    // The agent's accept in the test above is audited.
    assert.ok(actions.includes("handoff.accept"), actions.join());
    assert.equal(await page.locator("tr[data-action='handoff.accept'] td").nth(2).innerText(), "接入会话");
    // Actions read in Chinese; the filter offers them by name.
    assert.equal(await page.locator("tr[data-action='login.failed'] td").nth(2).innerText(), "登录失败");
    await page.getByLabel("操作", { exact: true }).selectOption({ label: "登录失败" });
    await page.getByRole("button", { name: "筛选" }).click();
    await page.waitForFunction(() => [...document.querySelectorAll("tbody tr")].every((r) => r.dataset.action === "login.failed"));
    assert.match(await page.getByRole("link", { name: "导出 CSV" }).getAttribute("href"), /audit\.csv\?action=login\.failed$/);
    await shot(page, "12-console-audit-log");
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await ctx.close();
  });

  test("an admin creates an API key (shown once), the integration uses it, and revocation stops it", async () => {
    const ctx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    page.on("dialog", (d) => d.accept());
    await signIn(page, server.url, "管理员", "admin-password");
    await page.locator("#nav a", { hasText: "API 密钥" }).click();
    await page.getByText("还没有 API 密钥").waitFor();
    await page.getByLabel("接入方名称").fill(HOSTILE);
    await page.getByRole("button", { name: "生成密钥" }).click();
    const key = (await page.locator(".fresh-key code.key").innerText()).trim();
    assert.match(key, /^tbk_[0-9a-f]{32,}$/);
    const row = page.locator("tr[data-key]").first();
    assert.equal(await row.locator(".key-name").innerText(), HOSTILE);
    assert.equal(await row.locator(".key-state").innerText(), "有效");
    await shot(page, "13-console-api-keys");

    const ask = (bearer) => page.evaluate(async (k) => {
      const res = await fetch("/api/v1/ask", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${k}` },
        body: JSON.stringify({ user_id: "bot-user-1", text: "发票开错了怎么办" }) });
      return { status: res.status, body: await res.json() };
    }, bearer);
    const ok = await ask(key);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(["answer", "clarify"].includes(ok.body.decision), JSON.stringify(ok.body));
    // The list never shows the key again, only its name and dates.
    await page.reload();
    await row.waitFor();
    assert.equal(await page.locator(".fresh-key").isVisible(), false);
    assert.equal((await page.locator(".page").innerText()).includes(key), false);

    await row.getByRole("button", { name: "吊销" }).click();
    await page.locator("tr[data-key] .key-state", { hasText: "已吊销" }).waitFor();
    const refused = await ask(key);
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "invalid_api_key");
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await ctx.close();
  });
});
