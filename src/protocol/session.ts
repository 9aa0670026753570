/**
 * The daemon without a socket: one raw line in, one reply out. The daemon's socket server frames
 * bytes around a Handler; the client's in-memory transport and most tests call it directly. Both
 * sides know only these two types, so neither imports the other.
 */
import type { EventPush, Reply } from './results.js';

/** One connection's view of the daemon: its handshake state and how to reach it. */
export interface Session {
  helloDone: boolean;
  /** Push an unsolicited line (events --follow). Absent where the transport cannot push. */
  push?(message: EventPush): void;
  /** Run when the connection closes (unsubscribe). */
  onClose?(cleanup: () => void): void;
  /** Set when the session follows events: the server lifts its idle timeout. */
  following?: boolean;
}

export interface Handler {
  handleLine(session: Session, line: string): Promise<Reply>;
  handle(session: Session, message: unknown): Promise<Reply>;
  /**
   * A line that is not valid UTF-8 (given decoded with U+FFFD for the bad bytes): `E_PROTOCOL`,
   * carrying the request's id when the line still reads as a JSON object with a valid id.
   */
  rejectInvalidUtf8(line: string): Reply;
}

