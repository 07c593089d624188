import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSurvey } from '../helpers/factories';
import { browserAvailable, launchBrowser, listen } from '../helpers/browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/** The page size of the first page of a PDF, in millimetres, from its MediaBox (points). */
function firstPageSizeMm(pdf: Buffer): { width: number; height: number } {
  const m = /\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  if (!m) throw new Error('no MediaBox in the PDF');
  const mm = (pt: number) => (pt * 25.4) / 72;
  return { width: mm(Number(m[3]) - Number(m[1])), height: mm(Number(m[4]) - Number(m[2])) };
}

describeInBrowser('printable poster', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let surveyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    surveyId = (await makeSurvey(t, { kind: 'nps', title: 'Whole journey NPS' })).id;
    server = await listen(t.app);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  test.each([
    ['a4', 210, 297],
    ['a6', 105, 148],
  ])('the %s poster prints on one page of %s × %s mm with the question and the QR code', async (size, width, height) => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/s/${surveyId}/poster?size=${size}&lang=en`);
    await expect(page.locator('h1').textContent()).resolves.toContain('How likely are you to recommend');
    expect(await page.locator('.poster-qr svg').count()).toBe(1);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBe(1);
    const got = firstPageSizeMm(pdf);
    expect(got.width).toBeCloseTo(width, 0);
    expect(got.height).toBeCloseTo(height, 0);
    await page.close();
  });
});
