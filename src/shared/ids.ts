// Ids as the database makes them: the one UUID check. A caller's id is checked before it reaches
// SQL because Postgres rejects a malformed uuid with an error (which would read as a failure of
// ours) where a well-formed id that matches nothing reads as "not found", the answer the caller
// should get; and `db.forBusiness` writes the business id into SQL text (db.ts), which only a
// checked UUID may be.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical text form (any version, either case), as `uuid` columns accept it. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
