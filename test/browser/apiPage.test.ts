import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT, startNpmStart, type NpmStartProcess } from '../support/npmStartProcess';

/**
 * The API page of `npm start` in a real Chromium (Debian's `chromium`, or $CHROMIUM_PATH) driven by
 * playwright-core: a person opens http://127.0.0.1:<port>/, picks a sample caller's token, sends a
 * create from Swagger UI and reads Graph's 201 in the page. A screenshot of the result is kept in
 * test-artifacts/api-page.png. Without Chromium the test is skipped with one line, unless
 * BROWSER_REQUIRED=1 (set by .ci/run), where a missing Chromium fails it.
 */

const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string => !!candidate && existsSync(candidate),
);
const browserRequired = process.env.BROWSER_REQUIRED === '1';
if (!chromiumPath && !browserRequired) {
  process.stderr.write(
    'test/browser: no Chromium found (CHROMIUM_PATH, /usr/bin/chromium): the API page test is skipped. Install it with: apt-get install -y chromium\n',
  );
}
const describeBrowser = chromiumPath || browserRequired ? describe : describe.skip;
export const SCREENSHOT = join(REPO_ROOT, 'test-artifacts', 'api-page.png');

describeBrowser('the API page of npm start', () => {
  let server: NpmStartProcess;
  let browser: Browser;

  beforeAll(async () => {
    if (!chromiumPath)
      throw new Error('BROWSER_REQUIRED=1 but no Chromium was found: set CHROMIUM_PATH or apt-get install -y chromium');
    server = await startNpmStart();
    // As root (CI containers) Chromium's sandbox cannot start; the page is this test's own.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a sample token and "Execute" on createPhoneMethod, nothing typed, show the 201 and the created method', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const offsite: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) offsite.push(request.url());
    });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));

    await page.goto(`${server.url}/`);
    await page.selectOption('#dev-token', 'admin');
    await page.locator('#dev-token-status[data-ready="admin"]').waitFor();

    // Swagger UI's element id for the operation ends with its operationId.
    const operation = page.locator('[id$="-createPhoneMethod"]');
    await operation.locator('.opblock-summary').first().click();
    // Nothing to type: the userId starts as the sample user's and the body as the document's example.
    await expect(operation.locator('input[placeholder="userId"]').inputValue()).resolves.toBe(
      '8f0f2b5e-4c2a-4a55-9c55-7b6c1c0f6e11',
    );
    await operation.locator('button.execute').click();

    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    // The whole response section goes into the comparison, so a failure shows what the page said.
    const responseText = await operation.locator('.live-responses-table').first().innerText();
    expect([(await status.innerText()).trim(), responseText]).toEqual(['201', responseText]);
    const body = await operation.locator('.live-responses-table .response-col_description pre').first().innerText();
    expect(body).toContain('"phoneNumber": "+1 2065550100"');
    expect(body).toContain('"smsSignInState": "ready"');

    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await status.scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT, fullPage: false });

    // Everything came from this server (no CDN), and the page ran without errors.
    expect(offsite).toEqual([]);
    expect(failures).toEqual([]);
    // The server saw the create, with the page's bearer token.
    expect(server.output()).toMatch(/"function":"createPhoneMethod".*"status":201/);
  }, 120_000);
});
