import { createReadStream, existsSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';

/** What scripts/reports-build.js writes next to each published site. */
export interface BuildInfo {
  warehouse: { path: string; key: string; mtime: string };
  built_at: string;
  duration_ms: number;
  sources_ms?: number;
  build_ms?: number;
}

export interface StaticFile {
  path: string;
  stat: Stats;
  contentType: string;
  etag: string;
  /** Hashed SvelteKit assets never change under their name. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The published dashboards on disk (DIR/current → DIR/site-…): file lookup, nothing else. */
export class DashboardsSite {
  constructor(private readonly dir: string) {}

  /** The current site's real directory, or null before the first build. */
  root(): string | null {
    const current = join(this.dir, 'current');
    try {
      const real = realpathSync(current);
      return existsSync(join(real, 'index.html')) ? real : null;
    } catch {
      return null;
    }
  }

  info(): BuildInfo | null {
    const root = this.root();
    if (!root) return null;
    try {
      return JSON.parse(readFileSync(join(root, 'ledgerline-build.json'), 'utf8')) as BuildInfo;
    } catch {
      return null;
    }
  }

  /**
   * Maps a URL path under /dashboards to a file of the current site: exact file, `x.html`
   * (prerendered pages) or `x/index.html`. Anything escaping the site root is not found.
   */
  find(urlPath: string): StaticFile | null {
    const root = this.root();
    if (!root) return null;
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
    } catch {
      return null;
    }
    if (rel.includes('\0') || rel === 'ledgerline-build.json') return null;
    const candidates =
      rel === '' ? ['index.html'] : [rel, `${rel.replace(/\/+$/, '')}.html`, join(rel, 'index.html')];
    for (const candidate of candidates) {
      const full = join(root, candidate);
      const inside = relative(root, full);
      if (inside.startsWith('..') || inside.startsWith(sep) || inside === '') continue;
      let stat: Stats;
      try {
        stat = statSync(full);
      } catch {
        continue;
      }
      if (!stat.isFile()) continue;
      return {
        path: full,
        stat,
        contentType: TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream',
        etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
        immutable: inside.split(sep).includes('immutable'),
      };
    }
    return null;
  }

  stream(file: StaticFile, range?: { start: number; end: number }): Readable {
    return createReadStream(file.path, range);
  }
}

/** Parses a single `bytes=a-b` range (what duckdb-wasm sends); null = whole file, 'invalid' = 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
