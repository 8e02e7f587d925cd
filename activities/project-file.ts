// A project file that fails its schema is something an operator must look at (a damaged or foreign
// file): retrying cannot help, so it is a non-retryable InvalidInput naming the file and the field.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { ErrorType } from '../core/errors';
import { parseProjectFile, ProjectFileError } from '../core/project/project-file';

export function readProjectFile<T>(schema: z.ZodType<T>, text: string, file: string): T {
  try {
    return parseProjectFile(schema, text, file);
  } catch (err) {
    if (err instanceof ProjectFileError)
      throw ApplicationFailure.create({ type: ErrorType.InvalidInput, message: err.message, nonRetryable: true });
    throw err;
  }
}
