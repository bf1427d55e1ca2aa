import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
const errors: string[] = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
await page.goto('file:///tmp/audit2/report.html');
await page.screenshot({ path: '/tmp/audit2/shot.png', fullPage: true });
console.log('errors', errors, await page.locator('svg').count());
await browser.close();
