import { backgroundTasks } from './fastapi/background-tasks.js';
import { body } from './fastapi/body.js';
import { customMiddlewareException } from './fastapi/custom-middleware-exception.js';
import { exceptionHandlers } from './fastapi/exception-handlers.js';
import { plainTextErrors, reuseDefaults, unicorns, validationWithBody } from './fastapi/handling-errors.js';
import { starletteException } from './fastapi/starlette-exception.js';
import type { PeerSuite } from './peer-app.js';
import { problemDetails } from './rfc9457.js';
import { background } from './starlette/background.js';
import { debug } from './starlette/debug.js';
import { exceptions } from './starlette/exceptions.js';
import { applications, routing } from './starlette/routing.js';
import { serverErrors } from './starlette/server-errors.js';

/** FastAPI's own tests, ported (fastapi/fastapi at c3f316b). */
export const fastapiSuites: PeerSuite[] = [exceptionHandlers, starletteException, customMiddlewareException, unicorns, plainTextErrors, validationWithBody, reuseDefaults, backgroundTasks, body];

/** Starlette's own tests, ported (encode/starlette at cb8f84f). */
export const starletteSuites: PeerSuite[] = [exceptions, background, serverErrors, debug, routing, applications];

/** RFC 9457 §3-§5. */
export const rfcSuites: PeerSuite[] = [problemDetails];

export const allSuites: PeerSuite[] = [...fastapiSuites, ...starletteSuites, ...rfcSuites];
