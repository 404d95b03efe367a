/**
 * Checks of the RFC 9457 error bodies the services send. The checks run on the parsed document: in JSON text a
 * stack trace's newlines are escaped (`\n`), so a search of the raw text for a newline can never find one.
 */

/** Members a problem document of this API may have; anything else is a leak or a mistake. */
const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'errors']);

/** What gives internals away in a message: stack frames, source file paths, bundle and module paths, error class names. */
const INTERNALS: [string, RegExp][] = [
  ['a stack frame', /(^|\n)\s*at\s+\S.*(:\d+:\d+\)?|\(native\)|<anonymous>)/],
  ['a source path', /(^|[\s('"])(\/|[A-Za-z]:\\|file:\/\/)\S*\.(c|m)?(js|ts)\b/],
  ['a module path', /node_modules[\\/]|webpack:|dist[\\/]apps[\\/]/],
  ['an error class', /\b(Type|Reference|Range|Syntax|Eval|URI|Aggregate|Internal)Error\b|\bDrizzleQueryError\b|\bQueryFailedError\b/],
];

function strings(value: unknown, path: string, out: [string, string][]): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, path ? `${path}.${k}` : k, out);
  return out;
}

/**
 * What is wrong with `body` as a problem document of this API: not an object, members beyond RFC 9457's (plus
 * `errors`), a status member that differs from the HTTP status, or a string anywhere in it that gives internals away.
 * `echoed` are parts of the request the document may quote back (a media type, the path): they are no leak.
 * Empty when the document is clean.
 */
export function problemDocumentFaults(body: unknown, httpStatus: number, echoed: string[] = []): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [`not a JSON object: ${JSON.stringify(body)?.slice(0, 200)}`];
  const faults: string[] = [];
  const document = body as Record<string, unknown>;
  const unknown = Object.keys(document).filter((k) => !PROBLEM_MEMBERS.has(k));
  if (unknown.length) faults.push(`unexpected member(s) ${unknown.join(', ')}`);
  if (document.status !== httpStatus) faults.push(`status member ${JSON.stringify(document.status)} for HTTP ${httpStatus}`);
  if (typeof document.title !== 'string' || !document.title) faults.push('no title');
  for (const [path, raw] of strings(document, '', [])) {
    const text = echoed.filter(Boolean).reduce((t, e) => t.split(e).join(' '), raw);
    for (const [what, pattern] of INTERNALS) if (pattern.test(text)) faults.push(`${what} in ${path}: ${JSON.stringify(text.slice(0, 160))}`);
  }
  return faults;
}
