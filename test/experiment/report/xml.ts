/** A tiny well-formedness check for generated SVG/HTML: balanced tags, no stray markup characters. */

const VOID_HTML = new Set(['meta', 'br', 'hr', 'img', 'link', 'input']);

/** Returns the problems found (empty when the markup is balanced and escaped). */
export function markupProblems(doc: string, html = false): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const checkText = (text: string) => {
    if (/[<>]/.test(text)) problems.push(`stray markup character in text: ${JSON.stringify(text.slice(0, 60))}`);
    if (/&(?!(amp|lt|gt|quot|#39);)/.test(text)) problems.push(`unescaped & in text: ${JSON.stringify(text.slice(0, 60))}`);
  };
  const body = html ? doc.replace(/^<!DOCTYPE html>/, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>') : doc;
  while ((m = tag.exec(body))) {
    checkText(body.slice(last, m.index));
    last = tag.lastIndex;
    const [, close, name, , self] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!self && !(html && VOID_HTML.has(name!))) {
      stack.push(name!);
    }
  }
  checkText(body.slice(last));
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}

/** Counts occurrences of a regular expression. */
export function count(doc: string, re: RegExp): number {
  return (doc.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')) ?? []).length;
}
