// Verified visitor identity (docs/widget.md): a host page embeds the widget
// with an identity signed by its server (HMAC-SHA256, computed here with
// node:crypto as a host would); the agent desk shows the verified name and the
// masked 纳税人识别号 for a right signature, and 未验证 for a wrong one or none.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { AGENT_1, launchBrowser, newContext, openWidget, shot, signIn, sql, startServer, widgetAsk } from "./helpers.mjs";

const SECRET = "etax-browser-secret-2026";
const TIN = "91440300MA5FXXX234";

/** The embed tag's attributes as the host's server renders them. */
function signedAttributes(secret, { user = TIN, name = "张三", lifetime = 3600 } = {}) {
  const expires = Math.floor(Date.now() / 1000) + lifetime;
  const signature = createHmac("sha256", secret).update(`etax\n${user}\n${name}\n${expires}`, "utf8").digest("hex");
  return { "data-identity-site": "etax", "data-identity-user": user, "data-identity-name": name, "data-identity-expires": String(expires), "data-identity-signature": signature };
}

/** A host page (on the server's origin) embedding the widget with `attrs`. */
async function hostPage(browser, server, attrs) {
  const ctx = await newContext(browser, server);
  const page = await ctx.newPage();
  await page.goto(server.url + "/healthz");
  const tag = Object.entries(attrs).map(([k, v]) => `${k}="${v}"`).join(" ");
  await page.setContent(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>电子税务局</title></head><body><h1>电子税务局</h1><script src="/widget.js" ${tag}></script></body></html>`);
  await openWidget(page);
  return page;
}

describe("verified visitor identity on the agent desk", () => {
  let server, browser;
  before(async () => {
    server = await startServer({ extra: `[[widget.identity_sites]]\nsite = "etax"\nsecret = "${SECRET}"\n` });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a right signature shows the name and the masked id; a wrong one shows 未验证", async () => {
    const agentCtx = await newContext(browser, server, { viewport: { width: 1280, height: 800 } });
    const agent = await agentCtx.newPage();
    await signIn(agent, server, AGENT_1);

    const verified = await hostPage(browser, server, signedAttributes(SECRET));
    await widgetAsk(verified, "转人工");
    await verified.locator("taxbot-widget .banner", { hasText: "排队" }).waitFor();
    const right = agent.locator("#queue li.item").first();
    await right.waitFor();
    assert.equal(await right.locator(".visitor-name").innerText(), "张三（9144********X234）");
    assert.equal(await right.locator(".identity").innerText(), "已验证");
    assert.ok(await right.locator(".identity.verified").count());

    const forged = await hostPage(browser, server, signedAttributes("a-guessed-secret-000", { name: "李四" }));
    await widgetAsk(forged, "转人工");
    await forged.locator("taxbot-widget .banner", { hasText: "排队" }).waitFor();
    const wrong = agent.locator("#queue li.item").nth(1);
    await wrong.waitFor();
    assert.match(await wrong.locator(".visitor-name").innerText(), /^访客 \d{4}$/);
    assert.equal(await wrong.locator(".identity").innerText(), "未验证");
    assert.ok(await wrong.locator(".identity.unverified").count());
    assert.doesNotMatch(await agent.locator("#queue").innerText(), /李四|91440300MA5FXXX234/);

    // A tag with a user id and a name but no signature is presented too, as 未验证.
    const unsigned = await hostPage(browser, server, { "data-identity-site": "etax", "data-identity-user": "91110000UNSIGNED01", "data-identity-name": "王五" });
    await widgetAsk(unsigned, "转人工");
    await unsigned.locator("taxbot-widget .banner", { hasText: "排队" }).waitFor();
    const bare = agent.locator("#queue li.item").nth(2);
    await bare.waitFor();
    assert.match(await bare.locator(".visitor-name").innerText(), /^访客 \d{4}$/);
    assert.equal(await bare.locator(".identity").innerText(), "未验证");
    assert.doesNotMatch(await agent.locator("#queue").innerText(), /王五|UNSIGNED/);
    await shot(agent, "console-identity-queue");

    // Accepted, the conversation carries the verified identity too.
    await right.getByRole("button", { name: "接入" }).click();
    const chat = agent.locator("article.chat").first();
    await chat.waitFor();
    assert.equal(await chat.locator("header h3").innerText(), "张三（9144********X234）");
    assert.equal(await chat.locator("header .identity").innerText(), "已验证");

    // The store keeps the masked id only, and nothing of the forged identity.
    const rows = sql(server, "SELECT verified, name, masked_id FROM visitor_identities ORDER BY verified DESC");
    const unverified = { verified: 0, name: null, masked_id: null };
    assert.deepEqual(rows, [{ verified: 1, name: "张三", masked_id: "9144********X234" }, unverified, unverified]);
  });
});
