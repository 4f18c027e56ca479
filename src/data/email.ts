/**
 * The text of an e-mail's body, without its headers. Pure (no file system, no Node API:
 * `atob` and `TextDecoder` exist in browsers and Node alike).
 *
 * `messageBody(raw)`:
 *  - the headers (everything up to the first blank line) are dropped: they give a spam label
 *    away (Received chains, X-Spam headers, mailing-list names); only their Content-Type and
 *    Content-Transfer-Encoding steer the decoding;
 *  - MIME: a multipart body is split at its boundary; each part's own headers are dropped;
 *    text parts are kept (of a multipart/alternative, the text/plain part if there is one,
 *    else the first text part), other parts (images, attachments) are dropped; an attached
 *    message (message/rfc822) is read the same way, its headers dropped too;
 *  - quoted-printable (soft line breaks and =XX bytes) and base64 text are decoded, with the
 *    part's charset where the platform knows it (else windows-1252);
 *  - HTML: <style>, <script> and comments are removed, every tag becomes a space, the common
 *    entities are decoded (tags are removed in every part: many spams send HTML as plain text);
 *  - whitespace is collapsed to single spaces and the text lowercased.
 */

/** Header names (lowercase) to values (unfolded) of one message or MIME part, and its body. */
export interface ParsedPart {
  headers: Map<string, string>;
  body: string;
}

/** Splits a message (or MIME part) at its first blank line; no blank line: all headers, empty body. */
export function splitHeaders(raw: string): ParsedPart {
  const text = raw.replace(/\r\n?/g, '\n');
  const end = text.startsWith('\n') ? 0 : text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + (text.startsWith('\n') ? 1 : 2));
  const headers = new Map<string, string>();
  let last = '';
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last !== '') {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // the mbox "From " line and anything else that is no header
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The cleaned, lowercased body text of a raw e-mail (see the file comment). */
export function messageBody(raw: string): string {
  return partText(splitHeaders(raw), 0).replace(/\s+/g, ' ').trim().toLowerCase();
}

const MAX_DEPTH = 8;

function partText(part: ParsedPart, depth: number): string {
  const ctype = part.headers.get('content-type') ?? 'text/plain';
  const media = ctype.split(';')[0].trim().toLowerCase() || 'text/plain';
  if (media.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = param(ctype, 'boundary');
    if (boundary) {
      const parts = splitMultipart(part.body, boundary).map(splitHeaders);
      const texts = parts.map((p) => ({ media: mediaOf(p), text: partText(p, depth + 1) })).filter((t) => t.text.trim() !== '');
      if (media === 'multipart/alternative' && texts.length > 0) return (texts.find((t) => t.media === 'text/plain') ?? texts[0]).text;
      return texts.map((t) => t.text).join('\n');
    }
  }
  if (media === 'message/rfc822' && depth < MAX_DEPTH) return partText(splitHeaders(part.body), depth + 1);
  if (!media.startsWith('text/') && !media.startsWith('multipart/')) return '';
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = param(ctype, 'charset');
  let text = part.body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(text, charset);
  else if (encoding === 'base64') text = decodeBase64(text, charset);
  return htmlToText(text);
}

function mediaOf(p: ParsedPart): string {
  return (p.headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
}

/** A parameter of a header value (`boundary="x"`), unquoted; undefined if absent. */
function param(value: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The parts between `--boundary` lines (preamble and epilogue dropped). */
function splitMultipart(body: string, boundary: string): string[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const open = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const t = line.trimEnd();
    if (t === open || t === `${open}--`) {
      if (current) parts.push(current.join('\n'));
      current = t === open ? [] : null;
      if (t !== open) break;
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

/** Decodes quoted-printable text: soft line breaks removed, =XX bytes decoded in `charset`. */
export function decodeQuotedPrintable(text: string, charset?: string): string {
  const joined = text.replace(/=[ \t]*\n/g, '');
  if (/[^\x00-\xff]/.test(joined)) return joined.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c);
  }
  return decodeBytes(Uint8Array.from(bytes), charset);
}

/** Decodes base64 text in `charset`; text that is no base64 comes back as it was. */
export function decodeBase64(text: string, charset?: string): string {
  let binary: string;
  try {
    binary = atob(text.replace(/[^A-Za-z0-9+/=]/g, '').replace(/=+$/, ''));
  } catch {
    return text;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return decodeBytes(bytes, charset);
}

function decodeBytes(bytes: Uint8Array, charset?: string): string {
  try {
    return new TextDecoder(charset?.trim() || 'windows-1252').decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes); // a label the platform does not know
  }
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®' };

/** HTML to text: style, script and comments removed, tags to spaces, common entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?[a-z!][^>]*>/gi, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}
