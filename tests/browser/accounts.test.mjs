// Console accounts: an agent signs in through the form and serves a taxpayer,
// a wrong password shows the error, an admin reads the audit log with the
// sign-ins, and a hostile user name (created with the CLI) stays text.
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
    assert.deepEqual(await agent.locator("#nav a").allInnerTexts(), ["坐席工作台"]);
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
    await chat.getByRole("textbox", { name: /回复会话/ }).fill("您好，我是小王");
    await chat.getByRole("textbox", { name: /回复会话/ }).press("Enter");
    await visitor.locator("taxbot-widget .msg.agent", { hasText: "您好，我是小王" }).waitFor();
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
    await page.getByLabel("操作", { exact: true }).fill("login.failed");
    await page.getByRole("button", { name: "筛选" }).click();
    await page.waitForFunction(() => [...document.querySelectorAll("tbody tr")].every((r) => r.dataset.action === "login.failed"));
    assert.match(await page.getByRole("link", { name: "导出 CSV" }).getAttribute("href"), /audit\.csv\?action=login\.failed$/);
    await shot(page, "12-console-audit-log");
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await ctx.close();
  });
});
