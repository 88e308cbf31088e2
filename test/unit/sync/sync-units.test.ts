import { VendorError } from '../../../connectors/connector';
import { toVendorError } from '../../../connectors/stripe/stripe.client';
import { forCreate, forUpdate } from '../../../connectors/stripe/stripe.connector';
import { defaultMapping } from '../../../mappings';
import { backoffDelay, deliveryRetryDelay } from '../../../src/sync/backoff';
import { contentHash, idempotencyKey } from '../../../src/sync/hash';
import { applyMapping } from '../../../src/sync/mapper';
import { decidePush } from '../../../src/sync/push.decision';
import { SecretBox } from '../../../src/sync/secret-box';
import type { LinkRow } from '../../../src/sync/sync.types';

const contactMapping = defaultMapping('stripe', 'contact', 'outbound')!;
const contact = {
  id: 7,
  version: 3,
  first_name: ' Ada ',
  last_name: 'Lovelace',
  email: 'Ada@Example.com',
  phone: null,
  job_title: 'Analyst',
  country: 'gb',
  company_id: 12,
  archived_at: null,
};

describe('mapping contact → Stripe customer', () => {
  it('maps fields, references and the archived flag through named transforms', () => {
    expect(applyMapping(contactMapping, contact)).toEqual({
      errors: [],
      payload: {
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        phone: null,
        description: 'Analyst',
        address: { country: 'GB' },
        metadata: {
          ledgerline_id: '7',
          ledgerline_object: 'contact',
          ledgerline_company_id: '12',
          ledgerline_archived: null,
        },
      },
    });
    const archived = applyMapping(contactMapping, {
      ...contact,
      archived_at: new Date('2026-01-02T00:00:00Z'),
    });
    expect((archived.payload.metadata as any).ledgerline_archived).toBe('true');
  });

  it('reports limits as field errors instead of throwing', () => {
    const res = applyMapping(contactMapping, {
      ...contact,
      phone: '+1 555 0100 0100 0100 0100',
      country: 'GBR',
    });
    expect(res.errors.map((e) => [e.field, e.code])).toEqual([
      ['phone', 'too_long'],
      ['country', 'format'],
    ]);
  });
});

describe('push decisions and hashes', () => {
  const link = (over: Partial<LinkRow>): LinkRow => ({
    id: 1,
    connection_id: 1,
    object: 'contact',
    local_id: 7,
    external_id: 'cus_1',
    external_version: null,
    content_hash: null,
    local_version: 1,
    state: 'linked',
    pending_key: null,
    pending_payload: null,
    ...over,
  });

  it('creates, heals, skips unchanged, updates and archives', () => {
    const hash = contentHash(applyMapping(contactMapping, contact).payload);
    expect(decidePush(contactMapping, contact, undefined).action).toBe('create');
    expect(decidePush(contactMapping, contact, link({ state: 'pending', external_id: null })).action).toBe(
      'heal',
    );
    expect(decidePush(contactMapping, contact, link({ content_hash: hash })).action).toBe('unchanged');
    expect(
      decidePush(contactMapping, { ...contact, last_name: 'Byron' }, link({ content_hash: hash })).action,
    ).toBe('update');
    expect(
      decidePush(contactMapping, { ...contact, archived_at: new Date() }, link({ content_hash: hash }))
        .action,
    ).toBe('archive');
    expect(decidePush(contactMapping, { ...contact, archived_at: new Date() }, undefined).action).toBe(
      'skip',
    );
    expect(decidePush(contactMapping, undefined, undefined).action).toBe('skip');
  });

  it('hashes independently of key order and derives stable idempotency keys', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: null } })).toBe(contentHash({ b: { d: null, c: 2 }, a: 1 }));
    const k = { connectionId: 1, object: 'contact', localId: 7, version: 3, op: 'create' };
    expect(idempotencyKey(k)).toBe(idempotencyKey({ ...k }));
    expect(idempotencyKey(k)).not.toBe(idempotencyKey({ ...k, version: 4 }));
    expect(idempotencyKey(k).length).toBeLessThanOrEqual(255);
  });
});

describe('Stripe payload shaping', () => {
  const payload = {
    name: 'A',
    email: null,
    address: { country: 'GB', city: null },
    metadata: { ledgerline_id: '7', ledgerline_archived: null },
  };
  it('omits nulls on create and clears them with "" on update', () => {
    expect(forCreate(payload)).toEqual({
      name: 'A',
      address: { country: 'GB' },
      metadata: { ledgerline_id: '7' },
    });
    expect(forUpdate(payload)).toEqual({
      name: 'A',
      email: '',
      address: { country: 'GB', city: '' },
      metadata: { ledgerline_id: '7', ledgerline_archived: '' },
    });
    expect(forUpdate({ address: { country: null } })).toEqual({ address: '' });
  });

  it('classifies SDK errors for the engine', () => {
    expect(
      toVendorError({
        type: 'StripeConnectionError',
        message: 'Request aborted due to timeout being reached (100ms)',
      }).kind,
    ).toBe('timeout');
    expect(
      toVendorError({
        type: 'StripeRateLimitError',
        statusCode: 429,
        message: 'x',
        headers: { 'retry-after': '2' },
      }),
    ).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    expect(toVendorError({ type: 'StripeAPIError', statusCode: 500, message: 'x' })).toMatchObject({
      kind: 'server',
      retryable: true,
    });
    expect(toVendorError({ type: 'StripeIdempotencyError', statusCode: 409, message: 'x' })).toMatchObject({
      retryable: true,
    });
    expect(
      toVendorError({
        type: 'StripeInvalidRequestError',
        statusCode: 400,
        code: 'parameter_unknown',
        message: 'x',
      }),
    ).toMatchObject({ kind: 'invalid', retryable: false, code: 'parameter_unknown' });
    expect(toVendorError({ type: 'StripeInvalidRequestError', statusCode: 404, message: 'x' }).kind).toBe(
      'not_found',
    );
    expect(new VendorError('auth', 'x').retryable).toBe(false);
  });
});

describe('backoff', () => {
  it('grows exponentially with full jitter, capped, never below Retry-After', () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1000 }, () => 0.999)).toBe(99);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000 }, () => 0.999)).toBe(799);
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1000 }, () => 0.999)).toBe(999);
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1000 }, () => 0)).toBe(0);
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1000, floorMs: 2000 }, () => 0.5)).toBe(2000);
    expect(deliveryRetryDelay(1, () => 0)).toBe(2500);
    expect(deliveryRetryDelay(1, () => 1)).toBe(5000);
    expect(deliveryRetryDelay(30, () => 1)).toBe(3600_000);
  });
});

describe('SecretBox (AES-256-GCM)', () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  it('round-trips, uses a fresh IV each time and detects tampering and wrong keys', () => {
    const box = new SecretBox(key);
    const a = box.seal({ api_key: 'sk_test_1' });
    expect(a).not.toBe(box.seal({ api_key: 'sk_test_1' }));
    expect(a).not.toContain('sk_test_1');
    expect(box.open(a)).toEqual({ api_key: 'sk_test_1' });
    const parts = a.split(':');
    const tag = Buffer.from(parts[3], 'base64');
    tag[0] ^= 1;
    expect(() => box.open([...parts.slice(0, 3), tag.toString('base64'), parts[4]].join(':'))).toThrow(
      /failed authentication/,
    );
    expect(() => new SecretBox(Buffer.alloc(32, 2).toString('hex')).open(a)).toThrow(/not the key/);
    expect(() => new SecretBox('short')).toThrow(/32 bytes/);
  });
});
