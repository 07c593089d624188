import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSurvey } from '../helpers/factories';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

describeInBrowser('a customer answers on a 360 px phone, by keyboard only', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let surveyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const survey = await makeSurvey(t, { kind: 'nps', title: 'Delivery NPS', touchpoint: { key: 'delivery', stageKey: 'retention', name: { vi: 'Giao hàng', en: 'Delivery' }, channel: 'other' } });
    surveyId = survey.id;
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  test('chooses 8 with the arrow keys, writes a comment, submits with Enter, and sees the thank-you page', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
    await page.goto(`${server.url}/s/${surveyId}?store=q1`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'survey-360.png'), fullPage: true });

    // The radio group is one tab stop; arrows move the choice, as a screen-reader user expects.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('score');
    await page.keyboard.press('Space');
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    expect(await page.locator('input[name=score]:checked').getAttribute('value')).toBe('8');
    const accessibleName = await page.locator('input[name=score][value="0"]').evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent?.trim());
    expect(accessibleName).toBe('0 – Hoàn toàn không');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('comment');
    await page.keyboard.type('Giao nhanh, đóng gói cẩn thận');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'survey-360-filled.png'), fullPage: true });
    await page.keyboard.press('Tab');
    await Promise.all([page.waitForURL(/\/thanks/), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Cảm ơn bạn!');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'thanks-360.png'), fullPage: true });

    const rows = await t.db.query(`SELECT score, comment, channel, hidden FROM responses WHERE survey_id = $1`, [surveyId]);
    expect(rows).toEqual([{ score: 8, comment: 'Giao nhanh, đóng gói cẩn thận', channel: 'link', hidden: { store: 'q1' } }]);
  });

  test('submitting without a score is stopped, and nothing is stored', async () => {
    const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM responses WHERE survey_id = $1`, [surveyId]))[0].n as number;
    const before = await count();
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${server.url}/s/${surveyId}?lang=en`);
    await page.locator('button[type=submit]').focus();
    await page.keyboard.press('Enter');
    expect(page.url()).toContain(`/s/${surveyId}`);
    expect(await page.locator('input[name=score]:invalid').count()).toBeGreaterThan(0);
    expect(await count()).toBe(before);
  });
});
