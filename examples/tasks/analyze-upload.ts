import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import { analyzeFile, type FileAnalysis } from '../files/analyze-file.js';

const uploadSchema = z.object({
  path: z.string().min(1),
  filename: z.string(),
  mimeType: z.string(),
  bytes: z.number().int().nonnegative(),
});

/** The payload of the `analyze-upload` task: the file `POST /upload` wrote. */
export type UploadPayload = z.infer<typeof uploadSchema>;

/** What an `analyze-upload` job's `result` holds. */
export interface UploadAnalysis extends FileAnalysis {
  filename: string;
}

function isCsv(file: UploadPayload): boolean {
  return /\.csv$/i.test(file.filename) || /^(text|application)\/csv/i.test(file.mimeType);
}

/**
 * The `analyze-upload` task, a durable job: streams the uploaded file once for its bytes, SHA-256,
 * lines and words (and CSV rows and columns), reporting progress. The file stays in the uploads
 * directory; the path is local, so with a Redis queue the worker must share that directory.
 *
 * @example
 * const id = await queue.enqueue(analyzeUpload, file)
 */
export function createAnalyzeUploadTask(): TaskDefinition<UploadPayload, UploadAnalysis> {
  return defineTask('analyze-upload', {
    schema: uploadSchema,
    retries: 2,
    timeout: 5 * 60_000,
    handler: async (file, context) => {
      const analysis = await analyzeFile(file.path, {
        csv: isCsv(file),
        signal: context.signal,
        size: file.bytes,
        onProgress: (percent) => void context.progress(percent),
      });
      return { filename: file.filename, ...analysis };
    },
  });
}
