import { spawnSync } from 'node:child_process';

/** The Python that can run the FastAPI peer, and what it runs on. */
export interface FastApiPeer {
  python: string;
  pythonVersion: string;
  fastapi: string;
  uvicorn: string;
  pydantic: string;
  /** `uvloop` or `asyncio`: uvicorn uses uvloop when it is installed. */
  loop: string;
  /** `httptools` or `h11`: likewise. */
  http: string;
}

/** What to print when FastAPI is missing. */
export const fastApiHint =
  'FastAPI peer skipped: no python3 with fastapi and uvicorn. Install them with `apt-get install -y python3-fastapi python3-uvicorn` ' +
  '(add python3-uvloop python3-httptools for uvicorn\'s fast path), or point ERRAND_BENCH_PYTHON at a python that has them.';

const probe = `
import sys, fastapi, uvicorn, pydantic
def has(m):
    try:
        __import__(m); return True
    except Exception:
        return False
print(sys.version.split()[0], fastapi.__version__, uvicorn.__version__, pydantic.VERSION,
      "uvloop" if has("uvloop") else "asyncio", "httptools" if has("httptools") else "h11")
`;

let cached: FastApiPeer | null | undefined;

/**
 * Finds a python with fastapi and uvicorn: ERRAND_BENCH_PYTHON, then Debian's /usr/bin/python3 (where
 * the apt packages land even when a pyenv shim shadows `python3` on PATH), then `python3`.
 */
export function findFastApi(): FastApiPeer | null {
  if (cached !== undefined) return cached;
  const candidates = [process.env.ERRAND_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  cached = null;
  for (const python of candidates) {
    const out = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
    if (out.status !== 0) continue;
    const [pythonVersion, fastapi, uvicorn, pydantic, loop, http] = out.stdout.trim().split(/\s+/);
    cached = { python, pythonVersion: pythonVersion, fastapi: fastapi, uvicorn: uvicorn, pydantic: pydantic, loop: loop, http: http };
    break;
  }
  return cached;
}

/** The notice for a FastAPI that runs without uvicorn's fast path, if it does. */
export function fastApiSlowPathNotice(peer: FastApiPeer): string | undefined {
  if (peer.loop === 'uvloop' && peer.http === 'httptools') return undefined;
  return `FastAPI runs on ${peer.loop} + ${peer.http}, not uvicorn's fast path (uvloop + httptools): its figures are lower than a ` +
    'typical deployment\'s; `apt-get install -y python3-uvloop python3-httptools` gives the fair comparison.';
}
