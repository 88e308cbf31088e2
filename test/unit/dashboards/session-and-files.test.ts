import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeNext } from '../../../src/dashboards/dashboards.pages';
import { readCookie, SessionSigner } from '../../../src/dashboards/dashboards.session';
import { DashboardsSite, parseRange } from '../../../src/dashboards/dashboards.site';

describe('dashboard session cookies', () => {
  it('round-trips, and rejects tampering, expiry and another signing key', () => {
    const signer = new SessionSigner('secret-a');
    const now = Date.now();
    const value = signer.sign({ keyId: 42, expiresAt: now + 60_000 });
    expect(signer.verify(value, now)).toEqual({
      keyId: 42,
      expiresAt: Math.floor((now + 60_000) / 1000) * 1000,
    });
    expect(new SessionSigner('secret-a').verify(value, now)?.keyId).toBe(42); // same secret: other process
    expect(new SessionSigner('secret-b').verify(value, now)).toBeNull();
    expect(new SessionSigner().verify(value, now)).toBeNull(); // random per-process key
    expect(signer.verify(value.replace('v1.42.', 'v1.43.'), now)).toBeNull();
    expect(signer.verify(value, now + 61_000)).toBeNull();
    expect(signer.verify('', now)).toBeNull();
    expect(signer.verify('garbage', now)).toBeNull();
  });

  it('reads one cookie among others', () => {
    expect(readCookie('a=1; ll_dashboards=v1.2.3.x; b=2', 'll_dashboards')).toBe('v1.2.3.x');
    expect(readCookie('a=1', 'll_dashboards')).toBeUndefined();
    expect(readCookie(undefined, 'll_dashboards')).toBeUndefined();
  });

  it('follows only /dashboards paths after sign-in', () => {
    expect(safeNext('/dashboards/mrr?currency=EUR')).toBe('/dashboards/mrr?currency=EUR');
    expect(safeNext('/dashboards')).toBe('/dashboards');
    for (const bad of [
      'https://evil.example/',
      '//evil.example',
      '/api/v1/reports',
      '/dashboardsx',
      42,
      undefined,
    ]) {
      expect(safeNext(bad)).toBe('/dashboards/');
    }
  });
});

describe('dashboard static files', () => {
  it('parses single byte ranges', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('invalid');
    expect(parseRange('bytes=9-1', 100)).toBe('invalid');
    expect(parseRange('items=1-2', 100)).toBeNull();
  });

  it('maps URLs to files of the current site only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'll-site-'));
    try {
      const site = new DashboardsSite(dir);
      expect(site.root()).toBeNull();
      mkdirSync(join(dir, 'site-1', 'revenue'), { recursive: true });
      writeFileSync(join(dir, 'site-1', 'index.html'), 'home');
      writeFileSync(join(dir, 'site-1', 'revenue', 'index.html'), 'rev');
      writeFileSync(join(dir, 'site-1', 'ledgerline-build.json'), '{"built_at":"x"}');
      writeFileSync(join(dir, 'secret.txt'), 'outside');
      symlinkSync('site-1', join(dir, 'current'));
      expect(site.info()).toEqual({ built_at: 'x' });
      expect(site.find('')?.path).toBe(join(dir, 'site-1', 'index.html'));
      expect(site.find('revenue')?.path).toBe(join(dir, 'site-1', 'revenue', 'index.html'));
      expect(site.find('revenue/')?.path).toBe(join(dir, 'site-1', 'revenue', 'index.html'));
      expect(site.find('revenue')?.contentType).toBe('text/html; charset=utf-8');
      for (const bad of [
        '../secret.txt',
        '..%2Fsecret.txt',
        '%2e%2e/secret.txt',
        'ledgerline-build.json',
        '%E0%A4%A',
        'nope',
      ]) {
        expect(site.find(bad)).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
