import type { PortsClient } from '../client/client.js';
import type { Output } from './output.js';

/** What commands get from the outside world; main.ts builds the real one, tests their own. */
export interface CliContext {
  out: Output;
  env: NodeJS.ProcessEnv;
  /** A client past hello; starts the daemon unless autostart is false or PORTS_NO_AUTOSTART turns it off. */
  connect(options?: { autostart?: boolean; socketPath?: string }): Promise<PortsClient>;
  /** The default owner pid of an allocation. */
  callerPid(): Promise<number>;
}

/** Flags every command has. */
export interface CommonFlags {
  json?: boolean;
}
