// Console accounts for browser tests: create users with the real CLI
// (`taxbot user add`, password on stdin) and sign in through the console form.
import { execFileSync } from "node:child_process";
import { BIN } from "./helpers.mjs";

/** Creates a console user in `dataDir` (a started server's `server.data`) with the CLI. */
export function addUser(dataDir, name, role, password) {
  execFileSync(BIN, ["user", "add", name, "--role", role, "--data-dir", dataDir], {
    input: password + "\n",
    stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, TAXBOT_LOG: "warn" },
  });
}

/** Opens the console at `baseUrl` in `page` and signs in; waits for the navigation to appear. */
export async function signIn(page, baseUrl, name, password) {
  await page.goto(baseUrl + "/console/");
  await page.getByLabel("用户名").fill(name);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("#nav a").first().waitFor();
}
