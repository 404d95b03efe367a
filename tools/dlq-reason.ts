/**
 * A dead letter's error as one readable table cell. The contract error names the event type the SUBJECT column
 * already shows (`invalid orders.created event: ...`) and repeats each field (`subject: subject is missing`): both
 * go, so a 100-character cell holds the reason itself (`subject is missing; expected the aggregate id ...`).
 * `dlq show` keeps the full text.
 */
export function briefReason(error: string | undefined, originalSubject?: string, max = 100): string {
  let text = (error ?? '').replace(/\s+/g, ' ').trim();
  const prefix = /^invalid (\S+) event: /.exec(text);
  if (prefix && (!originalSubject || prefix[1] === originalSubject)) text = text.slice(prefix[0].length);
  // "data.items[0].sku: sku is missing" -> "data.items[0].sku is missing"
  text = text.replace(/(^|; )((?:[\w$]+(?:\[\d+\])*\.)*)([\w$]+)((?:\[\d+\])*): \3 /g, '$1$2$3$4 ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
