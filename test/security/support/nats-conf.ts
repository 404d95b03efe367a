/**
 * Reads the subset of the nats-server configuration format docker/nats/nats-server.conf uses, so static tests can
 * compare its permissions with the code and the Helm values: `#` and `//` comments, maps (`{ }`, and the top level
 * without braces) whose keys are followed by `:`, `=` or a space, arrays, quoted and bare strings, and `$NAME`
 * variable references (kept as the text `$NAME`; the server resolves them from the config or its environment).
 */

/** A parsed value: maps and arrays as plain objects and arrays, everything else as its text. */
export type ConfValue = string | ConfValue[] | { [key: string]: ConfValue };

type Token = { kind: 'punct'; text: string } | { kind: 'string'; text: string } | { kind: 'newline' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      tokens.push({ kind: 'newline' });
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if ('{}[],:=;'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let text = '';
      for (i++; i < source.length && source[i] !== c; i++) text += source[i] === '\\' ? source[++i] : source[i];
      if (i >= source.length) throw new Error('unterminated string');
      tokens.push({ kind: 'string', text });
      i++;
    } else {
      let text = '';
      while (i < source.length && !/[\s{}[\],:=;#]/.test(source[i])) text += source[i++];
      tokens.push({ kind: 'string', text });
    }
  }
  return tokens;
}

/** Parses a configuration file's text into its top-level map. */
export function parseNatsConf(source: string): Record<string, ConfValue> {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  /** Moves past newlines (when asked) and the given punctuation. */
  const skip = (...kinds: string[]) => {
    for (let token = tokens[at]; token; token = tokens[++at]) {
      const skippable = token.kind === 'newline' ? kinds.includes('newline') : token.kind === 'punct' && kinds.includes(token.text);
      if (!skippable) return;
    }
  };
  const expectString = (): string => {
    const token = tokens[at++];
    if (token?.kind !== 'string') throw new Error(`expected a key or value at token ${at}`);
    return token.text;
  };

  const value = (): ConfValue => {
    skip('newline');
    const token = peek();
    if (token?.kind === 'punct' && token.text === '{') {
      at++;
      return map('}');
    }
    if (token?.kind === 'punct' && token.text === '[') {
      at++;
      const items: ConfValue[] = [];
      for (;;) {
        skip('newline', ',');
        const next = peek();
        if (next?.kind === 'punct' && next.text === ']') {
          at++;
          return items;
        }
        items.push(value());
      }
    }
    return expectString();
  };

  const map = (close: string | undefined): Record<string, ConfValue> => {
    const result: Record<string, ConfValue> = {};
    for (;;) {
      skip('newline', ',', ';');
      const token = peek();
      if (!token) {
        if (close) throw new Error(`missing "${close}"`);
        return result;
      }
      if (token.kind === 'punct' && token.text === close) {
        at++;
        return result;
      }
      const key = expectString();
      const sep = peek();
      if (sep?.kind === 'punct' && (sep.text === ':' || sep.text === '=')) at++;
      result[key] = value();
    }
  };

  return map(undefined);
}
