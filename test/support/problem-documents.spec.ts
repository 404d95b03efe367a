import { problemDocumentFaults } from './problem-documents';

/** The leak check must catch what the old check (a raw newline in the JSON text) could not. */
describe('problemDocumentFaults', () => {
  const clean = {
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: 'The request is invalid: 1 field failed validation.',
    instance: '/orders',
    errors: [{ field: 'items[0].sku', message: 'sku must be a string' }],
  };

  it('accepts the documents the API sends', () => {
    expect(problemDocumentFaults(clean, 400)).toEqual([]);
    expect(
      problemDocumentFaults(
        { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Order 6f1c… does not exist.', instance: '/orders/6f1c' },
        404,
      ),
    ).toEqual([]);
    expect(
      problemDocumentFaults(
        { type: 'about:blank', title: 'Bad Request', status: 400, detail: "Body is not valid JSON but content-type is set to 'application/json'" },
        400,
      ),
    ).toEqual([]);
  });

  it('finds a stack trace that JSON escaping hides from a search of the raw text', () => {
    const leaked = { ...clean, detail: new TypeError("Cannot read properties of undefined (reading 'sku')").stack };
    const text = JSON.stringify(leaked);
    expect(text).not.toMatch(/\n\s+at /); // what the old check looked for: never there in JSON text
    expect(problemDocumentFaults(JSON.parse(text), 400)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^a stack frame in detail/), expect.stringMatching(/^an error class in detail/)]),
    );
  });

  it('finds source paths, bundle paths, foreign members and a wrong status', () => {
    expect(problemDocumentFaults({ ...clean, detail: 'failed in /app/dist/apps/order-service/main.js' }, 400)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^a source path/), expect.stringMatching(/^a module path/)]),
    );
    expect(problemDocumentFaults({ ...clean, stack: 'x', statusCode: 400 }, 400)).toEqual([
      expect.stringMatching(/unexpected member\(s\) stack, statusCode/),
    ]);
    expect(problemDocumentFaults({ statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH', error: 'URI Too Long', message: 'x' }, 414)).toHaveLength(3);
    expect(problemDocumentFaults(clean, 422)).toEqual(['status member 400 for HTTP 422']);
    expect(problemDocumentFaults('Internal Server Error', 500)).toEqual([expect.stringMatching(/^not a JSON object/)]);
  });
});
