export { coerceError, NonErrorThrown } from './coerce-error.js';
export { ErrandError, isErrandError, type ErrandErrorOptions } from './errand-error.js';
export { errorCodes, isErrorCode, type ErrorCode, type ErrorCodeInfo } from './error-codes.js';
export type { ErrorClass, ErrorContext, ErrorHandler, HandleInput, HandlerResult, HostReplyResult } from './error-handler.js';
export { clientErrorStacks, defaultErrorMode, type ErrorMode } from './error-mode.js';
export { createErrorRegistry, type ErrorRegistry, type ErrorRegistryOptions, type RegistryConflict } from './error-registry.js';
export { HTTPException, isHTTPException, type HTTPExceptionOptions } from './http-exception.js';
export { jsonable, type JsonValue } from './jsonable.js';
export {
  errorResponses,
  fastApiErrorSchema,
  fieldErrorSchema,
  problemDetailsSchema,
  withErrorResponses,
  type ErrorResponsesOptions,
  type JsonSchema,
  type OpenApiDocumentLike,
  type OpenApiResponse,
  type WithErrorResponsesOptions,
} from './openapi.js';
export type { FieldError, ProblemDetails } from './problem-details.js';
export { problemFromError, type ErrorProblem, type ProblemOptions } from './problem-from-error.js';
export { isErrorStatus, reasonPhrase, reasonPhrases } from './reason-phrases.js';
export { renderProblem, type FormatContext, type ProblemFormat, type ProblemFormatter, type RenderOptions } from './render-problem.js';
export type { TaskErrorHandler, TaskErrorInfo } from './task-error.js';
export { fieldErrorsFromIssues, validationError, type ValidationLocation } from './validation-error.js';
