import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type BrowserContext } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser). Headless, no
 * sandbox (tests may run as root, where Chromium's sandbox refuses to start), GPU off so canvas
 * output is the software rasteriser's, the same on every run.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none', '--force-color-profile=srgb'],
    timeout: 120_000,
  });
}

/** A context with device scale 1, so a screenshot pixel is a CSS pixel (and a canvas pixel). */
export async function newContext(browser: Browser, opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC', ...opts });
}

export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'UTC' };
