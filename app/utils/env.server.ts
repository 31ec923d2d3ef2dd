import path from "node:path";
import { z } from "zod";
import { allowedTestHosts } from "./webhook.server.ts";

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  /** Public origin (scheme://host[:port]) when behind a proxy; by default the request's own host. */
  ORIGIN: z.string().url().optional(),
  /** Secure cookies; defaults to on in production. Set to 0 only for plain-HTTP intranet trials. */
  COOKIE_SECURE: z.enum(["0", "1"]).optional(),
  /** Express "trust proxy" setting, e.g. "loopback" or a hop count, when behind nginx. */
  TRUST_PROXY: z.string().optional(),
  /** Load demo accounts into a new, empty database. */
  SEED_DEMO: z.enum(["0", "1"]).default("1"),
  SCHOOL_NAME: z.string().min(1).default("中共示范大学委员会党校"),
  /** School code in certificate numbers ({school} in a class's number format). */
  SCHOOL_CODE: z
    .string()
    .regex(/^[A-Za-z0-9]{1,16}$/, "letters and digits, at most 16")
    .default("DXU"),
  /** PNG of the seal printed on certificates; unset: a red seal drawn as vector shapes. */
  CERT_SEAL_PATH: z.string().min(1).optional(),
  /** Course source roots synced at start, comma-separated; empty to skip. */
  COURSES_DIR: z.string().default("courses"),
  /** Who receives vulnerability reports, for /.well-known/security.txt: a mailto: or https: URI. Unset: no security.txt. */
  SECURITY_CONTACT: z
    .string()
    .regex(/^(mailto:[^\s@]+@[^\s@]+\.[^\s@]+|https:\/\/[^\s]+)$/, "a mailto: address or an https: URL, e.g. mailto:security@example.edu.cn")
    .optional(),
  /** Outgoing mail for notifications: smtp://user:pass@host:587 or smtps://…:465. Unset: the inbox alone. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.edu.cn:465")
    .optional(),
  /** The From of notification e-mail. */
  MAIL_FROM: z.string().min(3).default("网上党校 <noreply@localhost>"),
  /** Seconds a sender holds the outbox rows it claimed; another instance takes them over after that. Longer than a batch can take to send. */
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
  /** Hosts (host or host:port, comma-separated) a group-robot webhook may call besides 企业微信's and 钉钉's own, http allowed: for a test receiver only. */
  WEBHOOK_ALLOW_HOSTS: z.string().default(""),
  /** PostgreSQL instead of DATA_DIR/app.db: postgres://user:password@host:5432/dbname. Unset: the embedded SQLite file. */
  DATABASE_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, "一个 postgres:// 地址 (a postgres:// URL), e.g. postgres://dangxiao:secret@db.example.edu.cn:5432/dangxiao")
      .refine((v) => URL.canParse(v), "无法解析的地址 (not a parseable URL)")
      .optional(),
  ),
  /** Connections each app instance keeps to PostgreSQL at most. */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  /** Milliseconds a request waits for a PostgreSQL connection (a new one, or a free one of the pool) before it is answered 503. */
  DB_CONNECT_TIMEOUT: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Where `npm run build` put the app (separate folders let builds run side by side). */
  BUILD_DIR: z.string().min(1).default("build"),
  /** SQLite synchronous mode; NORMAL exists for the benchmarks' FULL/NORMAL comparison. */
  DB_SYNCHRONOUS: z.enum(["FULL", "NORMAL"]).default("FULL"),
  /** SQLite: log every query taking at least this many ms, with its plan, to stderr (0: off). For the growth benchmark. */
  DB_SLOW_QUERY_MS: z.coerce.number().int().min(0).default(0),
});

export type Env = z.infer<typeof schema> & {
  dataDir: string;
  cookieSecure: boolean;
  /** COURSES_DIR as absolute paths, in order; empty to skip. Every reader of COURSES_DIR uses this. */
  courseRoots: string[];
};

/** Where runtime state lives (DATA_DIR) and the file course roots (COURSES_DIR), both absolute. */
export type Dirs = { dataDir: string; courseRoots: string[] };

/**
 * What loaders and models get of the environment (`context.config`): built once by server.ts (and by the
 * tests) with `configOf`; no model reads the environment itself.
 */
export type AppConfig = Dirs & {
  schoolCode: string;
  /** A usable seal image for certificates; unset: the drawn seal. */
  sealPath?: string;
  origin?: string;
  /** Whether outgoing e-mail is configured (SMTP_URL); without it notifications stay in the inbox. */
  email: boolean;
  /** WEBHOOK_ALLOW_HOSTS: test receivers a group-robot address may name besides the two services. */
  webhookTestHosts: string[];
};

export function configOf(env: Env, sealPath?: string): AppConfig {
  return {
    schoolCode: env.SCHOOL_CODE,
    sealPath,
    origin: env.ORIGIN,
    dataDir: env.dataDir,
    courseRoots: env.courseRoots,
    email: !!env.SMTP_URL,
    webhookTestHosts: allowedTestHosts(env.WEBHOOK_ALLOW_HOSTS),
  };
}

/** `courses, /srv/more-courses` → absolute paths; blanks between commas are ignored. */
function parseCourseRoots(value: string): string[] {
  return [
    ...new Set(
      value
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => path.resolve(p)),
    ),
  ];
}

/** Validates the environment once at start; throws one message listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`环境变量无效 (invalid environment):\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  return {
    ...env,
    dataDir: path.resolve(env.DATA_DIR),
    courseRoots: parseCourseRoots(env.COURSES_DIR),
    cookieSecure: env.COOKIE_SECURE ? env.COOKIE_SECURE === "1" : env.NODE_ENV === "production",
  };
}
