import { parsePrometheusText, prometheusName } from './support/prometheus-text';

/** The validator the /metrics end-to-end test relies on must itself reject what Prometheus would reject. */
describe('parsePrometheusText', () => {
  const valid = [
    '# HELP http_requests_total Requests, with a \\\\ and a \\n.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",path="/a \\"b\\""} 1027 1395066363000',
    'http_requests_total{method="get"} 3',
    '# UNIT some comment that is not HELP or TYPE',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{route="x",le="0.5"} 1',
    'latency_seconds_bucket{route="x",le="+Inf"} 2',
    'latency_seconds_sum{route="x"} 1.5e-3',
    'latency_seconds_count{route="x"} 2',
    'untyped_metric NaN',
    '',
  ].join('\n');

  it('accepts a valid exposition and groups samples by family', () => {
    const { families, errors } = parsePrometheusText(valid);
    expect(errors).toEqual([]);
    expect(families.get('http_requests_total')).toMatchObject({ type: 'counter', samples: [{ labels: { path: '/a "b"' } }, {}] });
    expect(families.get('latency_seconds')?.samples.map((sample) => sample.name)).toEqual([
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_sum',
      'latency_seconds_count',
    ]);
  });

  it.each([
    ['a bad metric name', '9metric 1\n', /invalid metric name/],
    ['a missing value', 'metric{a="b"}\n', /expected "<value>/],
    ['a bad value', 'metric 1,5\n', /invalid value/],
    ['an unterminated label value', 'metric{a="b} 1\n', /unterminated/],
    ['a bad escape', 'metric{a="\\x"} 1\n', /invalid escape/],
    ['a duplicate series', 'metric{a="b"} 1\nmetric{a="b"} 2\n', /duplicate series/],
    ['TYPE after samples', 'metric 1\n# TYPE metric gauge\n', /TYPE of metric after its samples/],
    ['an unknown type', '# TYPE metric thing\n', /unknown type/],
    ['interleaved families', 'a 1\nb 1\na{x="y"} 2\n', /continues after another family/],
    ['a missing final line feed', 'metric 1', /line feed/],
    ['a negative counter', '# TYPE c_total counter\nc_total -1\n', /negative counter/],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\nh_sum 1\n', /no \+Inf bucket/],
    ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n', /not cumulative/],
    ['a count different from +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\n', /!= _count/],
  ])('rejects %s', (_, text, error) => {
    expect(parsePrometheusText(text).errors.join('\n')).toMatch(error);
  });

  it('names OpenTelemetry instruments the way the Prometheus exporter does', () => {
    expect(prometheusName('messaging.client.sent.messages', 'counter')).toBe('messaging_client_sent_messages_total');
    expect(prometheusName('messaging.process.duration', 'histogram')).toBe('messaging_process_duration');
  });
});
