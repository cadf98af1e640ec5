/**
 * `meta`: the headers a job carries from its enqueue to each claim (the W3C trace context), as one
 * jsonb object; NULL when the job has none (every job enqueued without tracing). Adding a nullable
 * column without a default rewrites no rows.
 */
export const sql = `
ALTER TABLE :schema.jobs ADD COLUMN meta jsonb;
`;
