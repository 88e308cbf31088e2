/**
 * HTTP load generator for benches: runs in a worker thread, so the client's own work (request
 * building, response parsing) does not queue on the server's event loop and inflate the latencies
 * being measured — as with any external load tool. Requests go over keep-alive sockets, at most
 * `concurrency` in flight; each latency is request start → last byte of the response.
 */
import { Agent, request } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LoadRequest {
  method: string;
  path: string;
  body?: string;
}

interface LoadJob {
  origin: string;
  headers: Record<string, string>;
  requests: LoadRequest[];
  concurrency: number;
}

/** Runs `requests` against `origin`; resolves with each latency in ms (fails on any status ≥ 300). */
export function runLoad(job: LoadJob): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: job });
    worker.once('message', (msg: { times?: number[]; error?: string }) =>
      msg.error ? reject(new Error(msg.error)) : resolve(msg.times!),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited ${code}`)));
  });
}

function send(agent: Agent, url: URL, headers: Record<string, string>, r: LoadRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: r.method,
        agent,
        headers: r.body ? { ...headers, 'content-length': Buffer.byteLength(r.body) } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) {
            reject(
              new Error(
                `${r.method} ${r.path}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
          } else resolve();
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

async function work(job: LoadJob): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.requests.length) {
        const r = job.requests[next++];
        const t = performance.now();
        await send(agent, new URL(r.path, job.origin), job.headers, r);
        times.push(performance.now() - t);
      }
    }),
  );
  agent.destroy();
  return times;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  work(workerData as LoadJob).then(
    (times) => port.postMessage({ times }),
    (err: Error) => port.postMessage({ error: err.message }),
  );
}
