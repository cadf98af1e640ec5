/** One message of the dev mailbox (the SMTP sink of the reference service), as the dashboard shows it. */
export interface MailboxMessage {
  id?: string;
  from?: string;
  to?: string | readonly string[];
  subject?: string;
  /** Plain-text body. */
  text?: string;
  /** Epoch ms or a Date. */
  receivedAt?: number | Date;
}

/**
 * Where the dashboard reads the dev mailbox from: a function returning the messages, newest first.
 *
 * @example
 * createDashboard({ backend, mailbox: () => smtpSink.messages() })
 */
export type MailboxSource = () => readonly MailboxMessage[] | Promise<readonly MailboxMessage[]>;

/** What GET /api/mailbox answers for each message: plain JSON, dates as epoch ms. */
export interface MailboxMessageView {
  id?: string;
  from?: string;
  to: string[];
  subject?: string;
  text?: string;
  receivedAt?: number;
}

/** Normalises a message for the JSON API (recipients as an array, dates as epoch ms). */
export function toMailboxView(message: MailboxMessage): MailboxMessageView {
  const to = message.to === undefined ? [] : typeof message.to === 'string' ? [message.to] : [...message.to];
  const receivedAt = message.receivedAt instanceof Date ? message.receivedAt.getTime() : message.receivedAt;
  return { id: message.id, from: message.from, to, subject: message.subject, text: message.text, receivedAt };
}
