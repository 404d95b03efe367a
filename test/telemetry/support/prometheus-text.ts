/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), for tests: it parses line by
 * line and collects every violation instead of stopping at the first, so a failure message shows them all.
 *
 * Checked: comment lines (`# HELP name doc`, `# TYPE name type`, other comments ignored), sample lines
 * (`name{label="value",...} value [timestamp]`) with valid names, escapes and float values, TYPE before the
 * family's samples and at most once, families not interleaved, no duplicate series, non-negative counters, and
 * histograms with an `le` label on every bucket, cumulative buckets, a `+Inf` bucket equal to `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, MetricFamily>;
  errors: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** A Go `ParseFloat` value as Prometheus writes it: decimal/exponent numbers, `NaN`, `+Inf`, `-Inf`. */
function parseValue(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `text[0] === '{'`; returns the labels and the rest of the line. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  const skipSpaces = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpaces();
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const nameMatch = /^[^=\s}]*/.exec(text.slice(i))![0];
    if (!LABEL_NAME.test(nameMatch)) return `invalid label name "${nameMatch}"`;
    if (nameMatch.startsWith('__')) return `reserved label name "${nameMatch}"`;
    if (nameMatch in labels) return `duplicate label "${nameMatch}"`;
    i += nameMatch.length;
    skipSpaces();
    if (text[i] !== '=') return `expected = after label ${nameMatch}`;
    i++;
    skipSpaces();
    if (text[i] !== '"') return `expected " to open the value of label ${nameMatch}`;
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return `unterminated value of label ${nameMatch}`;
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else return `invalid escape \\${next ?? ''} in label ${nameMatch}`;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    labels[nameMatch] = value;
    skipSpaces();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    return `expected , or } after label ${nameMatch}`;
  }
}

/** Parses and validates an exposition; `errors` is empty when the text is valid. */
export function parsePrometheusText(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const errors: string[] = [];
  const seenSeries = new Set<string>();
  const closedFamilies = new Set<string>();
  let currentFamily: string | undefined;

  if (text.length > 0 && !text.endsWith('\n')) errors.push('the exposition does not end with a line feed');

  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', samples: [] };
      families.set(name, found);
    }
    return found;
  };

  /** The family a sample belongs to: its own name, or a histogram/summary name plus a suffix. */
  const familyOf = (sampleName: string): string => {
    for (const [name, candidate] of families) {
      if (sampleName === name) return name;
      for (const suffix of SUFFIXES[candidate.type] ?? []) if (sampleName === name + suffix) return name;
    }
    return sampleName;
  };

  const enter = (name: string, lineNo: number) => {
    if (currentFamily === name) return;
    if (closedFamilies.has(name)) errors.push(`line ${lineNo}: family ${name} continues after another family started`);
    if (currentFamily) closedFamilies.add(currentFamily);
    currentFamily = name;
  };

  text.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;

    if (line.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!match) return; // any other comment is allowed and ignored (e.g. `# UNIT`, OpenMetrics-style)
      const [, keyword, name, rest = ''] = match;
      if (!METRIC_NAME.test(name)) {
        errors.push(`line ${lineNo}: invalid metric name "${name}" in # ${keyword}`);
        return;
      }
      const target = family(name);
      enter(name, lineNo);
      if (keyword === 'HELP') {
        if (target.help !== undefined) errors.push(`line ${lineNo}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) errors.push(`line ${lineNo}: invalid escape in HELP of ${name}`);
        target.help = rest;
      } else {
        if (!(TYPES as readonly string[]).includes(rest.trim())) errors.push(`line ${lineNo}: unknown type "${rest}" for ${name}`);
        if (target.samples.length > 0) errors.push(`line ${lineNo}: TYPE of ${name} after its samples`);
        if ((target as { typed?: boolean }).typed) errors.push(`line ${lineNo}: second TYPE for ${name}`);
        (target as { typed?: boolean }).typed = true;
        target.type = rest.trim() as MetricType;
      }
      return;
    }

    const nameMatch = /^[^\s{]+/.exec(line);
    const name = nameMatch?.[0] ?? '';
    if (!METRIC_NAME.test(name)) {
      errors.push(`line ${lineNo}: invalid metric name in "${line.slice(0, 80)}"`);
      return;
    }
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest);
      if (typeof parsed === 'string') {
        errors.push(`line ${lineNo}: ${parsed}`);
        return;
      }
      labels = parsed.labels;
      rest = parsed.rest;
    }
    const fields = rest.trim().split(/\s+/);
    if (!/^\s/.test(rest) || fields.length < 1 || fields.length > 2 || fields[0] === '') {
      errors.push(`line ${lineNo}: expected "<value> [timestamp]" after the series in "${line.slice(0, 120)}"`);
      return;
    }
    const value = parseValue(fields[0]);
    if (value === undefined) errors.push(`line ${lineNo}: invalid value "${fields[0]}"`);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) errors.push(`line ${lineNo}: invalid timestamp "${fields[1]}"`);

    const familyName = familyOf(name);
    const target = family(familyName);
    enter(familyName, lineNo);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) errors.push(`line ${lineNo}: duplicate series ${name}${JSON.stringify(labels)}`);
    seenSeries.add(series);
    if (target.type === 'counter' && value !== undefined && !(value >= 0)) errors.push(`line ${lineNo}: negative counter ${name}`);
    if (target.type === 'histogram' && name === `${familyName}_bucket` && labels.le === undefined) {
      errors.push(`line ${lineNo}: histogram bucket without le label`);
    }
    target.samples.push({ name, labels, value: value ?? NaN, line: lineNo });
  });

  for (const histogram of families.values()) {
    if (histogram.type === 'histogram') checkHistogram(histogram, errors);
  }
  return { families, errors };
}

/** Per label set (minus `le`): cumulative buckets, a `+Inf` bucket, and `_count` equal to it. */
function checkHistogram(histogram: MetricFamily, errors: string[]): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([name]) => name !== 'le')
        .sort(),
    );
  const group = (labels: Record<string, string>) => {
    const key = keyOf(labels);
    if (!groups.has(key)) groups.set(key, { buckets: [] });
    return groups.get(key)!;
  };
  for (const sample of histogram.samples) {
    if (sample.name === `${histogram.name}_bucket` && sample.labels.le !== undefined) {
      const le = parseValue(sample.labels.le);
      if (le === undefined) errors.push(`line ${sample.line}: invalid le "${sample.labels.le}"`);
      else group(sample.labels).buckets.push({ le, value: sample.value });
    } else if (sample.name === `${histogram.name}_count`) {
      group(sample.labels).count = sample.value;
    }
  }
  for (const [key, { buckets, count }] of groups) {
    const sorted = [...buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].value < sorted[i - 1].value) errors.push(`${histogram.name}${key}: buckets are not cumulative`);
    }
    const inf = sorted.find((bucket) => bucket.le === Infinity);
    if (!inf) errors.push(`${histogram.name}${key}: no +Inf bucket`);
    else if (count !== undefined && inf.value !== count) errors.push(`${histogram.name}${key}: +Inf bucket ${inf.value} != _count ${count}`);
    if (count === undefined) errors.push(`${histogram.name}${key}: no _count`);
  }
}

/**
 * The Prometheus family name the OpenTelemetry Prometheus exporter gives an instrument: dots and other invalid
 * characters become `_`, counters get `_total`. (Units are not appended by the exporter version in use.)
 */
export function prometheusName(otelName: string, type: 'counter' | 'histogram' | 'gauge'): string {
  const base = otelName.replace(/[^a-zA-Z0-9_:]/g, '_');
  return type === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}
