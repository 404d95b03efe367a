/**
 * `@app/persistence/testing`: typed fakes of the unit of work and the outbox for unit specs of business services,
 * so saga decisions run in milliseconds without a database. Integration tests use the real classes.
 */
export { FakeEventOutbox, FakeUnitOfWork, type PublicPart, type RecordedEvent } from './fake-unit-of-work';
