// Certificates for a throwaway local API server, made with the openssl CLI (node:crypto cannot issue X.509
// certificates). Only ever used on 127.0.0.1 by tests and the demo.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        "openssl is needed to create the local cluster's certificates; install it (apt-get install openssl)",
      );
    }
    throw new Error(`openssl ${args.join(' ')} failed in ${cwd}: ${e.stderr ?? e.message}`);
  }
}

// P-256 keys: generated in milliseconds where 2048-bit RSA takes a noticeable part of a test cluster's start.
function genKey(dir: string, file: string): Promise<void> {
  return openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

async function signedCert(dir: string, name: string, subject: string, ext: string): Promise<void> {
  await genKey(dir, `${name}.key`);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  await writeFile(join(dir, `${name}.ext`), ext);
  // Explicit serials: the certificates are signed concurrently, and -CAcreateserial would race on ca.srl.
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '365',
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
}

export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  await genKey(dir, 'ca.key');
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-nodes',
    '-key',
    'ca.key',
    '-sha256',
    '-days',
    '365',
    '-subj',
    '/CN=impala-autoscaler-local-ca',
    '-out',
    'ca.crt',
  ]);
  await Promise.all([
    signedCert(
      dir,
      'apiserver',
      '/CN=kube-apiserver',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
        'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n',
    ),
    // O=system:masters makes this client certificate cluster-admin (tests and the demo act as the admin).
    signedCert(
      dir,
      'admin',
      '/O=system:masters/CN=kubernetes-admin',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    ),
    (async () => {
      await genKey(dir, 'sa.key');
      await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
    })(),
  ]);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    apiserverCert: join(dir, 'apiserver.crt'),
    apiserverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}
