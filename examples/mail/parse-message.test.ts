import { describe, expect, it } from 'vitest';
import { decodeHeader, parseMessage } from './parse-message.js';

describe('parseMessage', () => {
  it('reads sender, subject and a plain body', () => {
    const parsed = parseMessage('From: a@x.test\r\nSubject: Hi\r\n\r\nHello\r\nthere\r\n');
    expect(parsed).toEqual({ from: 'a@x.test', subject: 'Hi', text: 'Hello\nthere' });
  });

  it('unfolds headers and decodes encoded words', () => {
    const parsed = parseMessage('From: a@x.test\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n =?UTF-8?B?IOKYlQ==?=\r\n\r\nx');
    expect(parsed.subject).toBe('Café ☕');
  });

  it('decodes quoted-printable and base64 bodies with their charset', () => {
    const qp = parseMessage('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 and a long =\r\nline');
    expect(qp.text).toBe('Café and a long line');
    const b64 = parseMessage(`Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Welcome to our platform!').toString('base64')}`);
    expect(b64.text).toBe('Welcome to our platform!');
  });

  it('takes the text/plain part of a multipart message', () => {
    const raw = [
      'From: s@x.test',
      'Content-Type: multipart/alternative; boundary="--b1"',
      '',
      '----b1',
      'Content-Type: text/html',
      '',
      '<p>html</p>',
      '----b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'plain text',
      '----b1--',
      '',
    ].join('\r\n');
    expect(parseMessage(raw).text).toBe('plain text');
  });

  it('leaves plain headers alone', () => {
    expect(decodeHeader('Welcome')).toBe('Welcome');
  });
});
