import { hash, verify } from "@node-rs/argon2";
import { randomInt } from "node:crypto";

// argon2id (the library's default algorithm) with the OWASP minimum parameters.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/** A password rule simple enough to explain on one line of the form. */
export function passwordProblem(password: string): string | null {
  if (password.length < 8) return "密码至少 8 位";
  if (password.length > 128) return "密码不能超过 128 位";
  if (!/[A-Za-z]/.test(password) || !/\d/.test(password)) return "密码需同时包含字母和数字";
  return null;
}

/** A one-time password that is easy to read out: no 0/O, 1/l/I. */
export function generateOneTimePassword(length = 10): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let out = "";
  while (out.length < length || passwordProblem(out)) {
    if (out.length >= length) out = "";
    out += alphabet[randomInt(alphabet.length)];
  }
  return out;
}
