// C0 and C1 control characters and DEL: a CR or LF in a name would split a log line or a header,
// a NUL would make it an invalid path.
const controlCharacters = /\p{Cc}/gu;

/**
 * The client's file name as the service reports and stores it: control characters removed,
 * at most 255 characters, `upload` when nothing is left. It is never used as a path.
 *
 * @example
 * uploadFilename('report\r\n.csv') // 'report.csv'
 */
export function uploadFilename(raw: string | undefined): string {
  const cleaned = (raw ?? '').replace(controlCharacters, '').trim().slice(0, 255);
  return cleaned === '' ? 'upload' : cleaned;
}

/**
 * The extension kept on the stored file (`<uuid>.csv`): letters and digits only, at most 15 of
 * them, else none. Nothing the client sends reaches the path beyond that.
 *
 * @example
 * uploadExtension('people.CSV') // '.CSV'
 * uploadExtension('a.c\u0000sv') // ''
 */
export function uploadExtension(filename: string): string {
  return /\.[A-Za-z0-9]{1,15}$/.exec(filename)?.[0] ?? '';
}
