/** The package version (kept equal to package.json by a test). */
export const PACKAGE_VERSION = '0.1.0';

/** The wire protocol version; bump it on any incompatible change to docs/protocol.md. */
export const PROTOCOL_VERSION = 1;
