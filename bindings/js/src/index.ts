// @shopsync/client — see README.md.
export * from "./protocol.js";
export * from "./errors.js";
export * from "./backoff.js";
export * from "./session.js";
export * from "./api.js";
export * from "./pokes.js";
export * from "./writes.js";
export * from "./restore.js";
export * from "./client.js";
