import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopbackCertificate {
  /** PEM certificate: serve it, and trust exactly it on the client side (`https.Agent({ ca })`). */
  cert: string;
  /** PEM private key; it never leaves the test process. */
  key: string;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made fresh for each test run, so
 * the HTTPS stand-ins (Cosmos DB, Key Vault) serve real TLS and the SDKs verify it like any other
 * server: nothing switches verification off. The files live in a temp dir only as long as openssl
 * needs them.
 */
export function createLoopbackCertificate(): LoopbackCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  try {
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
