/**
 * `meta`: the headers a job carries from its enqueue to each claim (the W3C trace context), as one
 * JSON object in TEXT; NULL when the job has none (every job enqueued without tracing).
 */
export const sql = `
ALTER TABLE errand_jobs ADD COLUMN meta TEXT;
`;
