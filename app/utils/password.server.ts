import { hash, verify } from "@node-rs/argon2";
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";

// argon2id (the library's default algorithm) with the OWASP minimum parameters.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** Every password a person chooses (and the demo/test passwords given explicitly) is argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// One-time passwords are generated here (10 characters from 56 ≈ 58 bits of randomness) and must be
// changed at first sign-in, so a slow hash adds little: nobody can guess 58 random bits by brute force
// even against a fast hash. They are stored as `$otp-sha256$<salt>$<hex>` so a roster import of 5,000
// people does not spend minutes in argon2 (README, Decisions: "One-time passwords").
const OTP_PREFIX = "$otp-sha256$";

const otpDigest = (salt: string, password: string) => createHash("sha256").update(`${salt}$${password}`, "utf8").digest();

/** The stored form of a generated one-time password (salted SHA-256). */
export function hashOneTimePassword(password: string): string {
  const salt = randomBytes(16).toString("hex");
  return `${OTP_PREFIX}${salt}$${otpDigest(salt, password).toString("hex")}`;
}

let dummy: Promise<string> | undefined;
const dummyArgon2 = () => (dummy ??= hashPassword(randomUUID()));

/**
 * Checks a password against either stored form, in constant time for the hash itself. A one-time
 * hash is also charged one argon2 verification, so the time of a sign-in does not tell whether the
 * account still has its one-time password.
 */
export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  if (hashed.startsWith(OTP_PREFIX)) {
    const [salt, hex] = hashed.slice(OTP_PREFIX.length).split("$");
    await verify(await dummyArgon2(), password).catch(() => false);
    if (!salt || !hex || !/^[0-9a-f]{64}$/.test(hex)) return false;
    return timingSafeEqual(otpDigest(salt, password), Buffer.from(hex, "hex"));
  }
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
