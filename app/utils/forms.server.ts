import { z } from "zod";

type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; message: string };

/** Parses a form with its zod schema; errors come back per field, in the schema's Chinese messages. */
export function parseForm<S extends z.ZodTypeAny>(form: FormData, schema: S): FormResult<z.infer<S>> {
  // One pass over the entries (getAll per key would be quadratic in the number of fields).
  const all = new Map<string, FormDataEntryValue[]>();
  for (const [key, value] of form.entries()) {
    const list = all.get(key);
    if (list) list.push(value);
    else all.set(key, [value]);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, values] of all) raw[key] = values.length > 1 || key.endsWith("[]") ? values : values[0];
  // NUL has no meaning in any field, and PostgreSQL's text cannot hold it (SQLite can): refused on both engines alike.
  const nul = [...all].find(([, values]) => values.some((v) => typeof v === "string" && v.includes("\u0000")));
  if (nul) return { ok: false, errors: { [nul[0]]: NUL_MESSAGE }, message: NUL_MESSAGE };
  const parsed = schema.safeParse(raw, { errorMap: chineseDefaults });
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "_");
    errors[key] ??= issue.message;
  }
  return { ok: false, errors, message: Object.values(errors)[0] ?? "表单有误" };
}

/**
 * Zod's built-in messages are English ("Invalid literal value, expected …", "Expected string, received
 * array"); a schema's own messages stay, only those defaults become Chinese (found by the bad-input
 * sweep: a duplicated field, a wrong option or an over-long value showed English to the user).
 */
const chineseDefaults: z.ZodErrorMap = (issue, ctx) => {
  if (ctx.defaultError !== z.defaultErrorMap(issue, { data: ctx.data, defaultError: "" }).message) return { message: ctx.defaultError };
  const n = (v: unknown) => (typeof v === "bigint" ? String(v) : (v as number));
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      return {
        message:
          issue.received === "undefined" ? "请填写此项" : issue.received === "nan" ? "请填写数字" : issue.expected === "integer" ? "请填写整数" : "格式不正确",
      };
    case z.ZodIssueCode.invalid_literal:
    case z.ZodIssueCode.invalid_enum_value:
    case z.ZodIssueCode.invalid_union_discriminator:
    case z.ZodIssueCode.invalid_union:
      return { message: "选项无效" };
    case z.ZodIssueCode.too_big:
      return {
        message:
          issue.type === "string"
            ? `不能超过 ${n(issue.maximum)} 个字符`
            : issue.type === "array" || issue.type === "set"
              ? `最多 ${n(issue.maximum)} 项`
              : `不能大于 ${n(issue.maximum)}`,
      };
    case z.ZodIssueCode.too_small:
      if (issue.type === "string") return { message: Number(issue.minimum) <= 1 ? "请填写此项" : `至少 ${n(issue.minimum)} 个字符` };
      if (issue.type === "array" || issue.type === "set") return { message: `至少 ${n(issue.minimum)} 项` };
      return { message: issue.inclusive ? `不能小于 ${n(issue.minimum)}` : `必须大于 ${n(issue.minimum)}` };
    case z.ZodIssueCode.not_finite:
      return { message: "请填写有效的数字" };
    case z.ZodIssueCode.not_multiple_of:
      return { message: `必须是 ${n(issue.multipleOf)} 的倍数` };
    case z.ZodIssueCode.invalid_date:
      return { message: "日期无效" };
    default:
      return { message: "格式不正确" };
  }
};

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

const NUL_MESSAGE = "内容含有不可见的空字符（NUL），请删除后重新提交";

/** A record's id: a positive integer JS can hold exactly (9 × 30 would pass `.int()` and fail in PostgreSQL's bigint). */
export const idParam = z.coerce.number({ invalid_type_error: "编号无效" }).int().positive("编号无效").max(Number.MAX_SAFE_INTEGER, "编号无效");
