// What the browser tests share: headless Chromium, Debian's /usr/bin/chromium (or $LTH_CHROMIUM)
// driven by playwright-core, never a downloaded browser, and the check that a bundle imports no
// Node built-in. Without a browser the browser tests print a notice and pass;
// LTH_REQUIRE_BROWSER=1 turns a browser that is there but does not start into a failure.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** The browser binary the tests drive. */
export const chromiumPath = process.env.LTH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Command-line switches: no GPU and no sandbox (CI runs as root in a container), a small
 * /dev/shm, no phoning home. WebGL then runs on SwiftShader (ANGLE over Vulkan, on the CPU);
 * --enable-unsafe-swiftshader keeps that fallback in Chromium versions that stopped offering
 * it by default (this one, 156, offers it either way).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader',
];

/** Launches headless Chromium, or prints why the browser tests are skipped and returns null. */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(chromiumPath)) {
    console.log(`  (browser tests skipped: no Chromium at ${chromiumPath}; set LTH_CHROMIUM to run them)`);
    return null;
  }
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    // an unusable browser (a snap shim, missing libraries) is the machine's problem, not the app's
    if (process.env.LTH_REQUIRE_BROWSER === '1') throw err;
    console.log(`  (browser tests skipped: ${chromiumPath} does not start: ${(err as Error).message.split('\n')[0]}; LTH_REQUIRE_BROWSER=1 makes this fail)`);
    return null;
  }
}

// An import of a Node built-in, static or dynamic, in bundled (possibly minified) JavaScript.
export const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'`]node:/;
