// Debian's Chromium, driven headless by playwright-core (no browser download ever): the Web UI test and the chart
// test open pages and figures in it.
import fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fail, never skip: CI installs the browser (scripts/ensure-chromium.sh), and a silently skipped check proves nothing. */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests drive Debian's chromium package headless and never download a browser. Install it with \`bash scripts/ensure-chromium.sh\` (as root; it runs apt-get install chromium).`,
    );
  }
}
