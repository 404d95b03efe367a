/**
 * What the Prometheus rules and the Grafana dashboard may refer to: the series the services export, derived from the
 * metric-name constants of the libraries (a renamed constant fails the check, not an alert at 3 a.m.), and a reader
 * that pulls the metric names out of a PromQL expression.
 */
import { BacklogMetricNames, MessagingMetricNames } from '@app/telemetry';

import { ResilienceMetricNames } from '../../libs/resilience/src/resilience.constants';
import { prometheusName } from '../telemetry/support/prometheus-text';

type Kind = 'counter' | 'histogram' | 'gauge';

/** The instrument kind behind each constant; `satisfies` makes a new constant without a kind a compile error. */
const MESSAGING_KINDS = {
  SENT_MESSAGES: 'counter',
  CONSUMED_MESSAGES: 'counter',
  PROCESS_DURATION: 'histogram',
  OPERATION_DURATION: 'histogram',
  DEAD_LETTER_MESSAGES: 'counter',
} as const satisfies Record<keyof typeof MessagingMetricNames, Kind>;

const RESILIENCE_KINDS = {
  BREAKER_STATE: 'gauge',
  CALLS_REJECTED: 'counter',
  BREAKER_TRANSITIONS: 'counter',
} as const satisfies Record<keyof typeof ResilienceMetricNames, Kind>;

const SUFFIXES: Record<Kind, readonly string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'] };

function families(names: Record<string, string>, kinds: Record<string, Kind>): [string, Kind][] {
  return Object.entries(names).map(([key, name]) => [prometheusName(name, kinds[key]), kinds[key]]);
}

/** Prometheus family name -> kind, of every series the services export (plus `up`, which Prometheus adds). */
export const EXPORTED_FAMILIES: ReadonlyMap<string, Kind> = new Map([
  ...families(MessagingMetricNames, MESSAGING_KINDS),
  ...families(BacklogMetricNames, Object.fromEntries(Object.keys(BacklogMetricNames).map((key) => [key, 'gauge' as const]))),
  ...families(ResilienceMetricNames, RESILIENCE_KINDS),
  ['up', 'gauge'],
]);

/** Every sample name a query may use: families, plus `_bucket`/`_sum`/`_count` of histograms. */
export const EXPORTED_SERIES: ReadonlySet<string> = new Set(
  [...EXPORTED_FAMILIES].flatMap(([family, kind]) => SUFFIXES[kind].map((suffix) => family + suffix)),
);

/** The family a sample name belongs to (`x_bucket` -> `x` for histograms). */
export function familyOf(series: string): string {
  for (const [family, kind] of EXPORTED_FAMILIES) if (SUFFIXES[kind].some((suffix) => family + suffix === series)) return family;
  return series;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/**
 * The metric names a PromQL expression (or Grafana target) selects. Strings, label matchers, range selectors and
 * grouping clauses are removed first; what remains of the identifiers, minus functions (followed by `(`) and
 * keywords, are metric names. Enough for the expressions of this repository, not a PromQL parser.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\w)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!call && !KEYWORDS.has(name)) names.add(name);
  }
  return [...names];
}
