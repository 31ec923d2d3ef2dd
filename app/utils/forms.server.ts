import { z } from "zod";

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; message: string };

/** Parses a form with its zod schema; errors come back per field, in the schema's Chinese messages. */
export function parseForm<S extends z.ZodTypeAny>(form: FormData, schema: S): FormResult<z.infer<S>> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key).map((v) => (typeof v === "string" ? v : v));
    raw[key] = all.length > 1 || key.endsWith("[]") ? all : all[0];
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "_");
    errors[key] ??= issue.message;
  }
  return { ok: false, errors, message: Object.values(errors)[0] ?? "表单有误" };
}

/** A trimmed, required text field with a length limit. */
export const text = (label: string, max = 100) =>
  z
    .string({ required_error: `请填写${label}`, invalid_type_error: `${label}格式不正确` })
    .trim()
    .min(1, `请填写${label}`)
    .max(max, `${label}不能超过 ${max} 个字符`)
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), `${label}含有不可见的控制字符`);

export const optionalText = (label: string, max = 100) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), text(label, max).optional());

export const idParam = z.coerce.number({ invalid_type_error: "编号无效" }).int().positive("编号无效");

/** Only same-site relative paths, never "//evil.example" or "https://…". */
export function safeRedirect(to: unknown, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
