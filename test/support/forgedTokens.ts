import { createHmac } from 'node:crypto';

/**
 * Hand-made JWS compact tokens for attacks a JOSE library would refuse to produce (alg "none",
 * HMAC with a public key, edited payloads). Built from bytes so nothing hides the attack.
 */

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

const encodeJson = (value: object): string => base64url(JSON.stringify(value));

/** `header.payload.signature` with the given signature segment (empty for alg "none"). */
export function forgeToken(header: object, payload: object, signature = ''): string {
  return `${encodeJson(header)}.${encodeJson(payload)}.${signature}`;
}

/** An HS256 token whose HMAC secret is `secret`: the classic algorithm-confusion attack. */
export function hs256Token(header: object, payload: object, secret: string | Buffer): string {
  const signingInput = `${encodeJson({ ...header, alg: 'HS256' })}.${encodeJson(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same token with some payload claims changed and the original signature kept. */
export function withTamperedPayload(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encodeJson({ ...decodeSegment(token, 1), ...changes })}.${signature}`;
}
