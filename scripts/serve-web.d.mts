/** Types of serve-web.mjs (for the tests that import it). */
import type { Server } from 'node:http';
export function digitsDir(): string;
export function serveWeb(opts?: { port?: number; host?: string; webDir?: string }): Promise<{ server: Server; url: string }>;
