/**
 * Decodes Stripe's application/x-www-form-urlencoded bodies and query strings with bracket
 * notation (`metadata[k]=v`, `expand[]=x`, `items[0][price]=p`) into nested objects. Numeric
 * keys stay object keys here; the validator turns them into arrays where the spec says array,
 * because `metadata[0]=x` is a legal metadata key and only the schema can tell them apart.
 */
export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [k: string]: FormValue;
}

export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  if (!text) return root;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawVal = eq < 0 ? '' : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawVal);
    assign(root, splitKey(key), value);
  }
  return root;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `a[b][0][]` → ['a','b','0',''] */
export function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first)))) parts.push(m[1]);
  return parts;
}

function assign(target: FormObject | FormValue[], path: string[], value: string): void {
  const [head, ...rest] = path;
  const isArr = Array.isArray(target);
  if (rest.length === 0) {
    if (isArr) target.push(value);
    else target[head] = value;
    return;
  }
  const nextIsAppend = rest[0] === '';
  let child: FormValue | undefined;
  if (isArr) {
    // `a[][x]=1` is not something the SDK sends; treat each as a new element.
    child = nextIsAppend ? [] : {};
    target.push(child);
  } else {
    const obj = target;
    child = obj[head];
    if (child === undefined || typeof child === 'string') {
      child = nextIsAppend ? [] : {};
      obj[head] = child;
    }
  }
  assign(child, rest, value);
}
