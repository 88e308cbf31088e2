import { HttpException } from '@nestjs/common';
import type { ZodError } from 'zod';

export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** RFC 9457 problem details; `type` is a stable slug under /problems/. */
export class Problem extends HttpException {
  constructor(
    status: number,
    readonly slug: string,
    detail?: string,
    readonly errors?: FieldError[],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? titleFor(status), status);
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: `https://ledgerline.dev/problems/${this.slug}`,
      title: titleFor(this.getStatus()),
      status: this.getStatus(),
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }

  static validation(errors: FieldError[], detail = 'The request has invalid fields.'): Problem {
    return new Problem(400, 'validation', detail, errors);
  }

  static notFound(object: string, id: unknown): Problem {
    return new Problem(404, 'not-found', `${object} ${String(id)} does not exist.`);
  }

  static conflict(detail: string, errors?: FieldError[]): Problem {
    return new Problem(409, 'conflict', detail, errors);
  }
}

export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    if (keys?.length) {
      return keys.map((k) => ({ field: [...path, k].join('.'), message: 'unknown field', code: issue.code }));
    }
    return [{ field: path.join('.') || '(body)', message: issue.message, code: issue.code }];
  });
}
