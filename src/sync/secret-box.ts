import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for connection credentials at rest. The key comes from LEDGERLINE_SECRET_KEY:
 * 32 bytes as base64 or hex (`openssl rand -base64 32`). Envelopes carry a short key id (a hash of
 * the key) so a wrong key is named as such instead of surfacing as a vague decryption failure.
 */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export function parseSecretKey(raw: string): Buffer {
  const trimmed = raw.trim();
  const candidates = [
    /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : null,
    Buffer.from(trimmed, 'base64'),
  ];
  const key = candidates.find((b) => b?.length === 32);
  if (!key)
    throw new SecretKeyError(
      'LEDGERLINE_SECRET_KEY must be 32 bytes as base64 or hex (e.g. `openssl rand -base64 32`).',
    );
  return key;
}

export class SecretBox {
  readonly keyId: string;
  private readonly key: Buffer;

  constructor(rawKey: string) {
    this.key = parseSecretKey(rawKey);
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  seal(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`ledgerline:v1:${this.keyId}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [
      'v1',
      this.keyId,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ct.toString('base64'),
    ].join(':');
  }

  open<T = unknown>(envelope: string): T {
    const [v, keyId, iv, tag, ct] = envelope.split(':');
    if (v !== 'v1' || !ct)
      throw new SecretKeyError('a stored secret is not in a format this version understands');
    if (keyId !== this.keyId)
      throw new SecretKeyError(
        `LEDGERLINE_SECRET_KEY is not the key the stored connection secrets were encrypted with (they need key id ${keyId}, this key is ${this.keyId}).`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(`ledgerline:v1:${keyId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      throw new SecretKeyError(
        'a stored connection secret failed authentication: it was altered or LEDGERLINE_SECRET_KEY is wrong.',
      );
    }
  }
}
