import { hash, verify } from "@node-rs/argon2";
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { estimateStrength, type Strength } from "./password-strength.server.ts";

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
 * account still has its one-time password; no hash at all (an unknown account) costs the same and fails.
 */
export async function verifyPassword(hashed: string | null, password: string): Promise<boolean> {
  if (hashed === null) {
    await verify(await dummyArgon2(), password).catch(() => false);
    return false;
  }
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

// The password policy is zxcvbn's estimate instead of composition rules: "password1" has letters and
// digits and is among the first guesses of any attack.

/** zxcvbn's score (0–4) a chosen password must reach: 3 is "safely unguessable" against throttled online guessing and then some. */
const MIN_PASSWORD_SCORE = 3;
/** Words of this site that an attacker tries first. */
const SITE_WORDS = ["dangxiao", "wangshangdangxiao", "dangxiao2026", "dangyuan", "gongchandang", "dxu"];

/**
 * Why a password a person chose is refused, in Chinese, or null. `personal` holds what an attacker
 * knows about the person (学号, name, phone, e-mail); passwords built on them are refused as well.
 */
export async function passwordProblem(password: string, personal: (string | null | undefined)[] = []): Promise<string | null> {
  if (password.length < 8) return "密码至少 8 位";
  if (password.length > 128) return "密码不能超过 128 位";
  const strength = await estimateStrength(password, [...SITE_WORDS, ...personal.filter((x): x is string => Boolean(x))]);
  if (strength.score >= MIN_PASSWORD_SCORE) return null;
  return `密码太容易被猜到：${weakness(strength)}`;
}

/** What makes a weak password weak, from the longest pattern zxcvbn found in it. */
function weakness({ patterns }: Strength): string {
  const main = [...patterns].sort((a, b) => b.length - a.length)[0];
  switch (main?.pattern) {
    case "dictionary":
      if (main.dictionaryName === "userInputs") return "包含学号、姓名、手机号或本站名称等别人知道的信息";
      if (main.dictionaryName === "passwords") return "这是常见密码（或只在其后加了数字、改了大小写），请换一个";
      return "主要由常见单词或姓名组成，请再加几个不相关的词或字符";
    case "repeat":
      return "有重复的字符或片段（如 aaa、abcabc）";
    case "sequence":
      return "有连续的字母或数字（如 abcd、1234）";
    case "spatial":
      return "有键盘上相邻的按键（如 qwerty、1qaz）";
    case "date":
    case "regex":
      return "主要是日期或年份";
    default:
      return "长度或变化不够，可以用几个不相关的词加上数字或符号";
  }
}

const OTP_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A one-time password that is easy to read out: no 0/O, 1/l/I, with letters and digits. */
export function generateOneTimePassword(length = 10): string {
  for (;;) {
    let out = "";
    while (out.length < length) out += OTP_ALPHABET[randomInt(OTP_ALPHABET.length)];
    if (/[A-Za-z]/.test(out) && /\d/.test(out)) return out;
  }
}
