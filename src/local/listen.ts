/**
 * Listening on a port without an unhandled `error` event: a taken port or an address that is
 * not on this machine becomes a ListenError (one readable line) instead of a crash.
 */
import type net from 'node:net';
import { ListenError } from '../errors.js';

/** Why a listen failed, in words (EADDRINUSE and friends). */
export function listenReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'the port is already in use';
  if (err.code === 'EACCES') return 'permission denied (ports below 1024 need privileges)';
  if (err.code === 'EADDRNOTAVAIL') return 'the address is not on this machine';
  return err.message;
}

/**
 * Calls `start` (which makes `server` listen) and resolves once it listens; a listen error
 * rejects with a ListenError naming the endpoint, address and port.
 */
export function listenOn(
  server: net.Server,
  start: () => void,
  p: { endpoint: string; address: string; port: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(p.endpoint, p.address, p.port, listenReason(err), { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    start();
  });
}
